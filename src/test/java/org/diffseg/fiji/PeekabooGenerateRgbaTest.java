package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.img.ResultImages;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

import ij.CompositeImage;
import ij.ImagePlus;

/** {@code Peekaboo Generate RGBA...} run as macros run it, on the tiny model. */
class PeekabooGenerateRgbaTest extends FijiContextTest {
	static final Path MODEL = PeekabooSegmentTest.MODEL;
	static final String FAST = PeekabooSegmentTest.FAST;
	static final String KEEP = PeekabooSegmentTest.KEEP;

	@BeforeEach
	void forgetImages() {
		KeptImages.clear();
	}

	@Test
	void generatesAnRgbaCompositeACheckerboardViewAndATimelapse() throws Exception {
		MacroRunner.Result r = macro("""
			run("Peekaboo Generate RGBA...", "prompt=[a red apple] timelapse=true timelapse_every=1 %s");
			print("current: " + getTitle());
			%s"checkerboard");
			selectImage("RGBA - a red apple");
			%s"rgba");
			selectImage("RGBA timelapse - a red apple");
			%s"timelapse");
			""".formatted(FAST, KEEP, KEEP, KEEP));
		assertTrue(r.ok(), r.error() + "\n" + r.log());
		assertTrue(r.log().contains("current: RGBA on checkerboard - a red apple"), r.log().toString());

		ImagePlus rgba = KeptImages.get("rgba");
		assertTrue(rgba instanceof CompositeImage, "a composite image");
		assertEquals(List.of(8, 16, 16, 4, 1, 1), List.of(rgba.getBitDepth(), rgba.getWidth(), rgba.getHeight(),
			rgba.getNChannels(), rgba.getNSlices(), rgba.getNFrames()));
		for (int c = 1; c <= 4; c++)
			assertEquals(List.of("R", "G", "B", "alpha").get(c - 1), rgba.getStack().getSliceLabel(c));

		ImagePlus checkerboard = KeptImages.get("checkerboard");
		assertEquals(List.of(24, 16, 16), List.of(checkerboard.getBitDepth(), checkerboard.getWidth(),
			checkerboard.getHeight()));
		// the view is the composite flattened over the checkerboard: α·rgb + (1 − α)·checker, within 8-bit rounding
		int[] view = (int[]) checkerboard.getProcessor().getPixels();
		byte[] alpha = (byte[]) rgba.getStack().getPixels(4);
		for (int i = 0; i < view.length; i++) {
			int x = i % 16, y = i / 16;
			double a = (alpha[i] & 0xff) / 255.0;
			double checker = ((x / ResultImages.CHECKER_SIZE + y / ResultImages.CHECKER_SIZE) % 2 == 0 ? 204 : 153);
			for (int c = 0; c < 3; c++) {
				double colour = ((byte[]) rgba.getStack().getPixels(c + 1))[i] & 0xff;
				int shown = view[i] >> (16 - 8 * c) & 0xff;
				assertEquals(a * colour + (1 - a) * checker, shown, 2.0, "pixel " + i + " channel " + c);
			}
		}

		ImagePlus timelapse = KeptImages.get("timelapse");
		// frames after 0, 1 and 2 updates (the engine's timelapse starts with the initial state)
		assertEquals(List.of(24, 16, 16, 3), List.of(timelapse.getBitDepth(), timelapse.getWidth(),
			timelapse.getHeight(), timelapse.getNFrames()));
		assertEquals("iteration 0", timelapse.getStack().getSliceLabel(1));
		assertEquals("iteration 2", timelapse.getStack().getSliceLabel(3));
		assertArrayEquals(view, (int[]) timelapse.getStack().getPixels(3), "the last frame is the result");
	}

	@Test
	void sharesTheModelWithPeekabooSegment() throws Exception {
		MacroRunner.Result r = macro("""
			newImage("cells", "RGB ramp", 20, 20, 1);
			run("Peekaboo Segment...", "prompts=[a cell] %s");
			run("Peekaboo Generate RGBA...", "prompt=[a cell] %s");
			""".formatted(FAST, FAST));
		assertTrue(r.ok(), r.error());
		DiffSegModelService models = context.service(DiffSegModelService.class);
		assertEquals(List.of(new DiffSegModelService.Key(MODEL.normalize(), "cpu", "float32", StableDiffusion.class)),
			models.loaded());
	}

	@Test
	void anEmptyPromptIsOneClearMessage() throws Exception {
		MacroRunner.Result r = macro("run(\"Peekaboo Generate RGBA...\", \"prompt=[ ] " + FAST.replace("\"", "\\\"") +
			"\");\nprint(\"still running\");\n");
		assertEquals("Peekaboo Generate RGBA: no prompt given: describe what to generate in 'prompt', e.g. " +
			"prompt=[a red apple].", r.error());
		assertEquals(List.of("DiffSeg: " + r.error()), r.log());
	}

	@Test
	void cancellingLeavesNoOutputs() throws Exception {
		try (TaskCanceller canceller = new TaskCanceller(context, "Peekaboo RGBA")) {
			Map<String, Object> inputs = new HashMap<>(Map.of("prompt", "an apple", "iterations", 10_000, "size", 16,
				"device", "cpu", "model", MODEL.toFile(), "timelapse", true));
			CommandModule module = context.service(CommandService.class).run(PeekabooGenerateRgba.class, false, inputs)
				.get();
			assertTrue(module.isCanceled());
			assertFalse(module.getCancelReason().isBlank());
			for (String output : List.of("rgba", "checkerboard", "timelapse_frames"))
				assertNull(module.getOutput(output), output);
		}
	}
}
