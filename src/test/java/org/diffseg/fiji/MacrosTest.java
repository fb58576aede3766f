package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;

/**
 * Runs every macro in {@code macros/} (and the test-only ones beside this class) headlessly through ImageJ 1.x's own
 * interpreter, with DiffSeg's commands reached through {@code run(...)}, as {@code diffseg macro} runs them. Each gets
 * the argument a user would pass, {@code model=[...] clip=[...] dino=[...] input=[...] output=[...]}, read in the macro with
 * {@code call("ij.Macro.getValue", getArgument(), "output", "")}, and must meet the {@link Expectations} written in it.
 */
class MacrosTest extends FijiContextTest {
	static final List<Path> FOLDERS = List.of(Path.of("macros"), Path.of("src/test/java/org/diffseg/fiji/macros"));

	@TempDir
	static Path work;

	@TestFactory
	List<DynamicTest> everyMacroRunsHeadless() throws Exception {
		return Expectations.testEach(FOLDERS, Path.of("macros/system_check.ijm"), MacrosTest::run, ".ijm");
	}

	private static void run(Path macro) throws Exception {
		Path dir = Files.createTempDirectory(work, macro.getFileName().toString());
		Map<String, Path> args = Expectations.arguments(dir);
		String argument = args.entrySet().stream().map(e -> e.getKey() + "=[" + e.getValue() + "]")
			.collect(Collectors.joining(" "));
		MacroRunner.Result result = MacroRunner.run(context, macro, argument);
		String log = String.join("\n", result.log());
		assertTrue(result.ok(), result.error() + "\nLog:\n" + log);
		Expectations expect = Expectations.of(macro);
		for (Pattern p : expect.log())
			assertTrue(result.log().stream().anyMatch(l -> p.matcher(l).find()), "no Log line matches " + p + ":\n" + log);
		expect.assertWritten(args.get("output"), "\nLog:\n" + log);
		assertFalse(result.log().stream().anyMatch(l -> l.startsWith("DiffSeg: ")), "a command failed:\n" + log);
	}
}
