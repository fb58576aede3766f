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
		Run r = run(dir, "hello.ijm", "print(\"hello from the macro\");\n");
		assertEquals(0, r.status, r.out + r.err);
		assertTrue(r.out.contains("hello from the macro"), r.out);
		assertFalse(r.err.contains("LinkageError") || r.err.contains("Cannot load class"), r.err);
		assertTrue(r.err.isBlank(), r.err);
	}

	@Test
	void aMacroErrorStopsTheRunWithOneLineNamingItsLine(@TempDir Path dir) throws Exception {
		Run r = run(dir, "broken.ijm", "print(\"before\");\nx = undefinedVar + 1;\nprint(\"after\");\n");
		assertEquals(DiffSegCli.EXIT_FAILURE, r.status, r.out + r.err);
		assertTrue(r.out.contains("before"), r.out);
		assertFalse(r.out.contains("after"), "the macro went on after its error:\n" + r.out);
		// one message: ImageJ's own copy of the error ("Macro Error: ...") is not printed beside DiffSeg's
		assertEquals(1, r.err.lines().filter(l -> !l.isBlank()).count(), r.err);
		assertTrue(r.err.contains("broken.ijm, line 2:") && r.err.contains("Undefined variable"), r.err);
	}

	private record Run(int status, String out, String err) {}

	/** Writes the macro {@code name} into {@code dir} and runs it as {@link #run(Path, Path, Path)} does. */
	private static Run run(Path dir, String name, String macroText) throws Exception {
		Path macro = dir.resolve(name);
		Files.writeString(macro, macroText);
		Path stdout = dir.resolve("out.txt"), stderr = dir.resolve("err.txt");
		int status = run(macro, stdout, stderr);
		return new Run(status, Files.readString(stdout, StandardCharsets.UTF_8),
			Files.readString(stderr, StandardCharsets.UTF_8));
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
