package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.scijava.Context;

import ij.IJ;
import ij.WindowManager;

/** Macros reach SciJava commands through ImageJ 1.x's own interpreter, with ImageJ's option syntax. */
class LegacyBridgeTest extends FijiContextTest {
	private static final String INPUT = "newImage(\"input\", \"8-bit ramp\", 32, 16, 1);\n";

	@Test
	void discoversCommandsUnderPluginsDiffSeg() {
		try (LegacyBridge bridge = LegacyBridge.install(context)) {
			assertEquals(BridgeTestCommand.class.getName(), bridge.commands().get("Bridge Test..."));
			assertNull(bridge.commands().get("Bridge Test"), "ImageJ, and so Fiji, match command names exactly");
			assertEquals(SystemCheck.class.getName(), bridge.commands().get("System Check"));
			assertTrue(bridge.commands().keySet().stream().noneMatch(n -> n.contains(">")));
		}
	}

	@Test
	void setsEveryParameterTypeAndMakesTheOutputCurrent() throws Exception {
		MacroRunner.Result r = macro(INPUT + """
			run("Bridge Test...", "iterations=5 gain=0.5 mode=scale folder=[/tmp/my folder] invert=true");
			print("title=" + getTitle() + " bitDepth=" + bitDepth() + " n=" + nImages);
			print("pixel=" + getPixel(31, 0));
			selectImage("input");
			print("selected=" + getTitle());
			selectImage("input-scale");
			print("found=" + getTitle());
			""");
		assertTrue(r.ok(), r.error());
		assertTrue(r.log().contains("iterations=5 gain=0.5 invert=true mode=scale folder=/tmp/my folder"), r.log().toString());
		assertTrue(r.log().contains("title=input-scale bitDepth=32 n=2"), r.log().toString());
		// the ramp's last column is 248 in 8 bits; gain 0.5 and inverted
		assertTrue(r.log().contains("pixel=-124"), r.log().toString());
		assertTrue(r.log().contains("selected=input"), r.log().toString());
		assertTrue(r.log().contains("found=input-scale"), r.log().toString());
	}

	@Test
	void leftOutKeysKeepTheCommandsDefaults() throws Exception {
		MacroRunner.Result r = macro(INPUT + "run(\"Bridge Test...\");\nrun(\"Bridge Test...\", \"invert=FALSE mode=crop\");\n");
		assertTrue(r.ok(), r.error());
		assertEquals(List.of("iterations=3 gain=2.0 invert=true mode=crop folder=null",
			"iterations=3 gain=2.0 invert=false mode=crop folder=null"), r.log());
	}

	@Test
	void imageKeyPicksAnOpenImageByTitle() throws Exception {
		MacroRunner.Result r = macro(INPUT + "newImage(\"other\", \"8-bit black\", 8, 8, 1);\n" +
			"run(\"Bridge Test...\", \"image=input\");\nprint(getTitle() + \" \" + getWidth());\n");
		assertTrue(r.ok(), r.error());
		assertTrue(r.log().contains("input-crop 32"), r.log().toString());
	}

	@Test
	void badValuesAbortTheMacroWithOneClearLine() throws Exception {
		assertFailure("iterations=many", "Bridge Test: iterations=many: 'iterations' must be a whole number.");
		assertFailure("iterations=50", "Bridge Test: iterations=50: 'iterations' must be between 1 and 20.");
		assertFailure("gain=x", "Bridge Test: gain=x: 'gain' must be a number.");
		assertFailure("mode=stretch", "Bridge Test: mode=stretch: choose one of crop, scale.");
		assertFailure("mode=Scale", "Bridge Test: mode=Scale: choose one of crop, scale.");
		assertFailure("invert=maybe", "Bridge Test: invert=maybe: 'invert' is a checkbox: write invert=true or " +
			"invert=false.");
		assertFailure("invert", "Bridge Test: 'invert' has no value: write invert=value (a checkbox: invert=true or " +
			"invert=false).");
		assertFailure("prompt=[a cat", "Bridge Test: the value of 'prompt' opens '[' but never closes it: write " +
			"prompt=[value].");
		assertFailure("image=nothing", "Bridge Test: there is no open image titled \"nothing\": open it first, or " +
			"leave 'image' out to use the current image.");
		assertFailure("fail_with=[the model folder has no unet]", "Bridge Test: the model folder has no unet");
		assertFailure("cancel_at=2", "Bridge Test: cancelled at iteration 2");
	}

	static Stream<Arguments> mistakesAndTheirOneLine() {
		return Stream.of(
			// what the test shows, the macro, the one line it ends with
			Arguments.of("unknown keys are named with the valid ones",
				INPUT + "run(\"Bridge Test...\", \"Iterations=5\");\n",
				"Bridge Test: 'Bridge Test' has no key 'Iterations'. Its keys are: image, iterations, gain, invert, mode, " +
					"folder, fail_with, cancel_at."),
			Arguments.of("a command without options says so", "run(\"System Check\", \"bogus=1\");\n",
				"System Check: 'System Check' has no key 'bogus'. It takes no options."),
			Arguments.of("no image open is a clear error", "run(\"Bridge Test...\", \"iterations=2\");\n",
				"Bridge Test: there is no image open: open an image first ('Bridge Test' works on the current image)."));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("mistakesAndTheirOneLine")
	void aMistakeEndsTheMacroWithOneClearLine(String what, String code, String expected) throws Exception {
		assertEquals(expected, macro(code).error());
	}

	@Test
	void macroErrorsAndUnknownCommandsNameTheLine() throws Exception {
		assertEquals("test.ijm, line 2: Unrecognized command: \"Bridge Test\"",
			macro("print(1);\nrun(\"Bridge Test\", \"iterations=2\");\nprint(2);\n").error());
		assertTrue(macro("x = 1;\nx = y + 1;\n").error().matches("test\\.ijm, line [23]: Undefined variable"));
	}

	@Test
	void exitEndsAMacroNormally() throws Exception {
		MacroRunner.Result r = macro("print(\"before\");\nexit;\nprint(\"after\");\n");
		assertNull(r.error());
		assertEquals(List.of("before"), r.log());
	}

	@Test
	void failuresAlsoStopMacrosThatImageJRunsItself() {
		List<String> log = new ArrayList<>();
		try (LegacyBridge bridge = LegacyBridge.install(context)) {
			bridge.setLogListener(log::add);
			IJ.runMacro(INPUT + "run(\"Bridge Test...\", \"iterations=0\");\nprint(\"still running\");\n");
			assertEquals("Bridge Test: iterations=0: 'iterations' must be between 1 and 20.", bridge.takeFailure());
			assertFalse(log.contains("still running"), log.toString());
		}
		finally {
			int[] ids = WindowManager.getIDList();
			if (ids != null) for (int id : ids)
				WindowManager.getImage(id).close();
		}
	}

	private void assertFailure(String options, String expected) throws Exception {
		MacroRunner.Result r = macro(INPUT + "run(\"Bridge Test...\", \"" + options.replace("\"", "\\\"") + "\");\n" +
			"print(\"still running\");\n");
		assertEquals(expected, r.error(), r.log().toString());
		assertFalse(r.log().contains("still running"), "the failure aborts the macro");
		assertTrue(r.log().contains("DiffSeg: " + expected), "headless, the failure is in the Log: " + r.log());
	}
}
