package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code diffseg macro} as a user starts it: a fresh JVM without the test JVM's ij1-patcher agent, so ImageJ 1.x is
 * patched by DiffSeg itself. Nothing but the macro's own output may appear.
 */
class MacroProcessTest {

	@Test
	void aMacroRunPrintsOnlyWhatTheMacroPrints(@TempDir Path dir) throws Exception {
		Path macro = dir.resolve("hello.ijm");
		Files.writeString(macro, "print(\"hello from the macro\");\n");
		Path stdout = dir.resolve("out.txt"), stderr = dir.resolve("err.txt");
		int status = run(macro, stdout, stderr);
		String out = Files.readString(stdout, StandardCharsets.UTF_8), err = Files.readString(stderr, StandardCharsets.UTF_8);
		assertEquals(0, status, out + err);
		assertTrue(out.contains("hello from the macro"), out);
		assertFalse(err.contains("LinkageError") || err.contains("Cannot load class"), err);
		assertTrue(err.isBlank(), err);
	}

	@Test
	void aMacroErrorStopsTheRunWithOneLineNamingItsLine(@TempDir Path dir) throws Exception {
		Path macro = dir.resolve("broken.ijm");
		Files.writeString(macro, "print(\"before\");\nx = undefinedVar + 1;\nprint(\"after\");\n");
		Path stdout = dir.resolve("out.txt"), stderr = dir.resolve("err.txt");
		int status = run(macro, stdout, stderr);
		String out = Files.readString(stdout, StandardCharsets.UTF_8), err = Files.readString(stderr, StandardCharsets.UTF_8);
		assertEquals(DiffSegCli.EXIT_FAILURE, status, out + err);
		assertTrue(out.contains("before"), out);
		assertFalse(out.contains("after"), "the macro went on after its error:\n" + out);
		// one message: ImageJ's own copy of the error ("Macro Error: ...") is not printed beside DiffSeg's
		assertEquals(1, err.lines().filter(l -> !l.isBlank()).count(), err);
		assertTrue(err.contains("broken.ijm, line 2:") && err.contains("Undefined variable"), err);
	}

	/** Runs {@code diffseg macro} in a fresh, headless JVM; returns its exit status. */
	private static int run(Path macro, Path stdout, Path stderr) throws Exception {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process p = new ProcessBuilder(List.of(java.toString(), "--add-opens=java.base/java.lang=ALL-UNNAMED",
			"-cp", System.getProperty("java.class.path"), DiffSegCli.class.getName(), "macro", macro.toString()))
			.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the macro run did not end");
		return p.exitValue();
	}
}
