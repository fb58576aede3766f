package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * For test classes sharing the tiny DINO fixture: loaded on the CPU in float32 before their first test, closed
 * after their last.
 */
public abstract class WithTinyDino {
	public static final Path TINY_DINO = VitFixtures.DINO;
	protected static ViTModel dino;

	@BeforeAll
	protected static void loadTinyDino() throws IOException {
		dino = ViTModel.load(TINY_DINO, Device.cpu(), DataType.FLOAT32);
	}

	@AfterAll
	protected static void closeTinyDino() {
		dino.close();
	}
}
