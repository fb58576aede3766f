package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.cli.DiffSegCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code diffseg macro FILE.ijm [ARG]}: exit status 0, or 1 with one line on standard error. */
class MacroCommandTest {

	@TempDir
	Path dir;

	private final StringWriter out = new StringWriter(), err = new StringWriter();

	@BeforeAll
	static void registered() {
		assertTrue(new CommandLine(new DiffSegCli()).getSubcommands().containsKey("macro"),
			"MacroCommand must be registered in DiffSegCli's subcommands");
	}

	private int run(String... args) {
		return DiffSegCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
	}

	private Path macro(String name, String code) throws Exception {
		return Files.writeString(dir.resolve(name), code);
	}

	@Test
	void runsAShippedMacro() {
		assertEquals(DiffSegCli.EXIT_OK, run("macro", "macros/system_check.ijm"), err.toString());
		assertEquals("", err.toString());
	}

	@Test
	void passesTheArgument() throws Exception {
		Path m = macro("arg.ijm", "if (getArgument() != \"output=[/tmp/x y]\") exit(\"wrong argument\");\n" +
			"newImage(\"a\", \"8-bit\", 4, 4, 1);\nrun(\"Bridge Test...\", \"iterations=1\");\n");
		assertEquals(DiffSegCli.EXIT_OK, run("macro", m.toString(), "output=[/tmp/x y]"), err.toString());
	}

	@Test
	void aFailedCommandIsOneLineAndStatusOne() throws Exception {
		Path m = macro("fails.ijm", "newImage(\"a\", \"8-bit\", 4, 4, 1);\nrun(\"Bridge Test...\", \"iterations=0\");\n");
		assertEquals(DiffSegCli.EXIT_FAILURE, run("macro", m.toString()));
		assertEquals("diffseg: Bridge Test: iterations=0: 'iterations' must be between 1 and 20.\n", lines(err));
	}

	@Test
	void aMacroErrorNamesFileAndLine() throws Exception {
		Path m = macro("typo.ijm", "print(\"a\");\nrun(\"Sytem Check\");\n");
		assertEquals(DiffSegCli.EXIT_FAILURE, run("macro", m.toString()));
		assertEquals("diffseg: typo.ijm, line 2: Unrecognized command: \"Sytem Check\"\n", lines(err));
	}

	@Test
	void aMacroErrorStopsTheMacroAndNamesItsLine() throws Exception {
		// the error is on line 2 of 4: ImageJ's getLineNumber() said 3 here, and line 3 ran anyway
		Path after = dir.resolve("after.txt");
		Path m = macro("undefined.ijm", "print(\"a\");\nx = undefinedVar + 1;\nFile.saveString(\"ran\", \"" +
			after.toString().replace("\\", "/") + "\");\nprint(\"b\");\n");
		assertEquals(DiffSegCli.EXIT_FAILURE, run("macro", m.toString()));
		String message = lines(err);
		assertEquals(1, message.lines().count(), message);
		assertTrue(message.contains("undefined.ijm, line 2:"), message);
		assertTrue(message.contains("Undefined variable"), message);
		assertFalse(Files.exists(after), "the macro went on after its error");
	}

	@Test
	void anErrorInABlockNamesTheLineInsideIt() throws Exception {
		Path m = macro("block.ijm", "for (i = 0; i < 2; i++) {\n\tprint(i);\n\tprint(1 / );\n\tprint(\"c\");\n}\n");
		assertEquals(DiffSegCli.EXIT_FAILURE, run("macro", m.toString()));
		String message = lines(err);
		assertEquals(1, message.lines().count(), message);
		assertTrue(message.contains("block.ijm, line 3:"), message);
	}

	@Test
	void exitIsSuccessAndAMissingFileIsNot() throws Exception {
		assertEquals(DiffSegCli.EXIT_OK, run("macro", macro("exit.ijm", "exit;\nprint(\"not reached\");\n").toString()));
		assertEquals(DiffSegCli.EXIT_FAILURE, run("macro", dir.resolve("missing.ijm").toString()));
		assertTrue(err.toString().startsWith("diffseg: " + dir.resolve("missing.ijm") + ": no such macro file."), err.toString());
	}

	private static String lines(StringWriter w) {
		return w.toString().replace(System.lineSeparator(), "\n");
	}
}
