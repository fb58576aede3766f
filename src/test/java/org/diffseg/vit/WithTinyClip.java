package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * For test classes sharing the tiny CLIP fixture: loaded on the CPU in float32 before their first test, closed
 * after their last.
 */
public abstract class WithTinyClip {
	public static final Path TINY_CLIP = VitFixtures.CLIP;
	protected static ClipModel clip;

	@BeforeAll
	protected static void loadTinyClip() throws IOException {
		clip = ClipModel.load(TINY_CLIP, Device.cpu(), DataType.FLOAT32);
	}

	@AfterAll
	protected static void closeTinyClip() {
		clip.close();
	}
}
