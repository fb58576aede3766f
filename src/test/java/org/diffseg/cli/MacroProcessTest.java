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
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process p = new ProcessBuilder(List.of(java.toString(), "--add-opens=java.base/java.lang=ALL-UNNAMED",
			"-cp", System.getProperty("java.class.path"), DiffSegCli.class.getName(), "macro", macro.toString()))
			.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the macro run did not end");
		String out = Files.readString(stdout, StandardCharsets.UTF_8), err = Files.readString(stderr, StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), out + err);
		assertTrue(out.contains("hello from the macro"), out);
		assertFalse(err.contains("LinkageError") || err.contains("Cannot load class"), err);
		assertTrue(err.isBlank(), err);
	}
}
