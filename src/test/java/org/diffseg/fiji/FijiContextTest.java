package org.diffseg.fiji;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;

/** A test class's SciJava context, with ImageJ 1.x patched first, and macros run in it as Fiji runs them. */
abstract class FijiContextTest {
	static Context context;

	@TempDir
	Path dir;

	@BeforeAll
	static void startContext() {
		ImageJ1Patch.ensurePatched();
		context = new Context();
	}

	@AfterAll
	static void disposeContext() {
		context.dispose();
	}

	/** Runs macro code (written to a file of the test's folder) headlessly. */
	MacroRunner.Result macro(String code) throws IOException, InterruptedException {
		Path file = dir.resolve("test.ijm");
		Files.writeString(file, code);
		return MacroRunner.run(context, file, "");
	}
}
