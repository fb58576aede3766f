package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.diffseg.peekaboo.AlphaRepresentation;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;

import ij.ImagePlus;
import ij.VirtualStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

/**
 * {@code Peekaboo Segment...} run as macros run it (through the bridge) on the tiny model: outputs, stacks, bad input,
 * cancellation and model reuse.
 */
class PeekabooSegmentTest extends FijiContextTest {
	static final Path MODEL = Path.of("models/tiny-sd-a").toAbsolutePath();
	/** A run of seconds: the tiny model, 2 iterations, a 16-pixel alpha, on the CPU. */
	static final String FAST = "iterations=2 size=16 device=cpu model=[" + MODEL + "]";
	static final String KEEP = "kept = call(\"org.diffseg.fiji.KeptImages.keep\", ";
	static final String DESCRIBE = "call(\"org.diffseg.fiji.KeptImages.describe\")";

	private static DiffSegModelService models;

	@BeforeAll
	static void services() {
		models = context.service(DiffSegModelService.class);
	}

	@BeforeEach
	void forgetImages() {
		KeptImages.clear();
	}

	private static String line(MacroRunner.Result r, String prefix) {
		return r.log().stream().filter(l -> l.startsWith(prefix)).findFirst().map(l -> l.substring(prefix.length()))
			.orElseThrow(() -> new AssertionError("no Log line starts with '" + prefix + "': " + r.log()));
	}

	@Test
	void segmentsTheCurrentImageIntoAlphaMasksTimelapseAndRois() throws Exception {
		MacroRunner.Result r = macro("""
			newImage("cells", "RGB ramp", 40, 30, 1);
			setVoxelSize(0.5, 0.5, 2, "micron");
			makeRectangle(3, 4, 10, 8);
			print("before: " + %s);
			run("Peekaboo Segment...", "prompts=[a cell; background] threshold=0.05 timelapse=true timelapse_every=1 %s");
			print("current: " + getTitle());
			%s"masks");
			selectImage("alpha - cells - a cell; background");
			%s"alpha");
			selectImage("timelapse - cells - a cell; background");
			%s"timelapse");
			selectImage("cells");
			print("after: " + %s);
			""".formatted(DESCRIBE, FAST, KEEP, KEEP, KEEP, DESCRIBE));
		assertTrue(r.ok(), r.error() + "\n" + r.log());
		assertEquals(line(r, "before: "), line(r, "after: "), "the input is unchanged, its selection too");
		assertEquals("mask - cells - a cell; background", line(r, "current: "), "the masks are the current image");
		List<String> prompts = List.of("a cell", "background");

		ImagePlus alpha = KeptImages.get("alpha");
		assertGeometry(alpha, 32, 40, 30, 2, 1, 1);
		assertEquals(prompts, labels(alpha));
		for (int p = 1; p <= 2; p++) {
			float[] a = (float[]) alpha.getStack().getPixels(p);
			for (int y = 0; y < 30; y++)
				for (int x = 0; x < 40; x++) {
					float v = a[y * 40 + x];
					assertTrue(v >= 0 && v <= 1, "alpha in [0, 1]: " + v);
					// crop: the centred 30x30 square (x 5..34) is segmented, the rest is 0
					if (x < 5 || x >= 35) assertEquals(0, v, "outside the analysed square at x=" + x);
				}
		}

		ImagePlus masks = KeptImages.get("masks");
		assertGeometry(masks, 8, 40, 30, 2, 1, 1);
		assertEquals(prompts, labels(masks));
		List<String> nonEmpty = new ArrayList<>();
		for (int p = 1; p <= 2; p++) {
			float[] a = (float[]) alpha.getStack().getPixels(p);
			byte[] m = (byte[]) masks.getStack().getPixels(p);
			boolean any = false;
			for (int i = 0; i < m.length; i++) {
				assertEquals(a[i] > 0.05f ? 255 : 0, m[i] & 0xff, "mask = alpha > threshold at pixel " + i);
				any |= m[i] != 0;
			}
			if (any) nonEmpty.add(prompts.get(p - 1));
		}
		Overlay overlay = masks.getOverlay();
		List<String> names = new ArrayList<>();
		if (overlay != null) for (Roi roi : overlay.toArray()) {
			names.add(roi.getName());
			int p = prompts.indexOf(roi.getName()) + 1;
			assertEquals(p, roi.getPosition(), "each ROI lies on its prompt's slice");
			assertTrue(roi.getStatistics().pixelCount > 0);
		}
		assertEquals(prompts, nonEmpty, "a threshold this low leaves no mask empty");
		assertEquals(nonEmpty, names, "one ROI named after each prompt whose mask is not empty");

		ImagePlus timelapse = KeptImages.get("timelapse");
		assertGeometry(timelapse, 32, 40, 30, 2, 1, 3); // frames after 0, 1 and 2 updates
		assertEquals(List.of("a cell @ iteration 0", "background @ iteration 0", "a cell @ iteration 1",
			"background @ iteration 1", "a cell @ iteration 2", "background @ iteration 2"), labels(timelapse));
		for (int p = 1; p <= 2; p++)
			assertArrayEquals((float[]) alpha.getStack().getPixels(p), (float[]) timelapse.getStack().getPixels(4 + p),
				"the last frame is the final alpha");
	}

	@Test
	void everyPlaneOfAHyperstackMapsToTheSamePlaneOfTheOutputs() throws Exception {
		MacroRunner.Result r = macro("""
			newImage("stack", "8-bit ramp", 24, 20, 1, 2, 2);
			setVoxelSize(0.25, 0.25, 3, "micron");
			setColor(220);
			for (t = 1; t <= 2; t++)
				for (z = 1; z <= 2; z++) {
					Stack.setPosition(1, z, t);
					fillRect(4 * z + 8 * t - 8, 3, 6, 9);
				}
			Stack.setPosition(1, 2, 1);
			print("before: " + %s);
			run("Peekaboo Segment...", "prompts=[a; b] all_planes=true threshold=0.05 %s");
			%s"masks");
			selectImage("alpha - stack - a; b");
			%s"alpha");
			rename("alpha of every plane");
			selectImage("stack");
			run("Peekaboo Segment...", "prompts=[a; b] %s");
			selectImage("alpha - stack - a; b-2"); // the first run's masks are still open under the plain name
			%s"alpha 1");
			selectImage("stack");
			print("after: " + %s);
			""".formatted(DESCRIBE, FAST, KEEP, KEEP, FAST, KEEP, DESCRIBE));
		assertTrue(r.ok(), r.error() + "\n" + r.log());
		assertEquals(line(r, "before: "), line(r, "after: "));
		ImagePlus alpha = KeptImages.get("alpha"), masks = KeptImages.get("masks");
		assertGeometry(alpha, 32, 24, 20, 2, 2, 2);
		assertGeometry(masks, 8, 24, 20, 2, 2, 2);
		assertTrue(alpha.isHyperStack() && masks.isHyperStack());
		assertEquals(3, alpha.getCalibration().pixelDepth);
		assertEquals(List.of("a", "b", "a", "b", "a", "b", "a", "b"), labels(alpha));
		List<String> positions = new ArrayList<>();
		for (Roi roi : masks.getOverlay().toArray()) {
			assertTrue(roi.hasHyperStackPosition(), "overlay ROIs sit on their channel, slice and frame");
			positions.add(roi.getName() + " " + roi.getCPosition() + "," + roi.getZPosition() + "," + roi.getTPosition());
		}
		assertEquals(List.of("a 1,1,1", "b 2,1,1", "a 1,2,1", "b 2,2,1", "a 1,1,2", "b 2,1,2", "a 1,2,2", "b 2,2,2"),
			positions);
		// the current plane alone (z 2, t 1) gives what the whole stack gave there: same seed, same device
		ImagePlus one = KeptImages.get("alpha 1");
		assertGeometry(one, 32, 24, 20, 2, 1, 1);
		for (int c = 1; c <= 2; c++)
			assertArrayEquals((float[]) one.getStack().getPixels(c),
				(float[]) alpha.getStack().getPixels(alpha.getStackIndex(c, 2, 1)), "channel " + c);
		assertFalse(Arrays.equals((float[]) alpha.getStack().getPixels(alpha.getStackIndex(1, 1, 1)),
			(float[]) alpha.getStack().getPixels(alpha.getStackIndex(1, 2, 1))), "different planes, different alphas");
	}

	@Test
	void theModelIsLoadedOnceAndReused() throws Exception {
		String run = "run(\"Peekaboo Segment...\", \"prompts=[a cell] " + FAST + "\");\n";
		MacroRunner.Result r = macro("newImage(\"cells\", \"8-bit ramp\", 20, 20, 1);\n" + run + "selectImage(\"cells\");\n" +
			run);
		assertTrue(r.ok(), r.error());
		List<DiffSegModelService.Key> tiny = models.loaded().stream().filter(k -> k.folder().equals(MODEL.normalize()))
			.toList();
		assertEquals(List.of(new DiffSegModelService.Key(MODEL.normalize(), "cpu", "float32", StableDiffusion.class)), tiny);
		StableDiffusion loaded = models.get(MODEL, "cpu", "float32", StableDiffusion.class, () -> {
			throw new AssertionError("loaded a second time");
		});
		assertNotNull(loaded);
		assertSame(loaded, models.get(MODEL, "CPU", "FLOAT32", StableDiffusion.class, () -> null));
	}

	/** Repeated runs give windows of distinct titles that name the image and the prompts. */
	@Test
	void repeatedRunsGetDistinctTitles() throws Exception {
		MacroRunner.Result r = macro("""
			newImage("cells", "RGB ramp", 24, 20, 1);
			run("Peekaboo Segment...", "prompts=[a cell] %s");
			print("first: " + getTitle());
			selectImage("cells");
			run("Peekaboo Segment...", "prompts=[a cell] %s");
			print("second: " + getTitle());
			selectImage("alpha - cells - a cell-2");
			print("alpha: " + getTitle());
			""".formatted(FAST, FAST));
		assertTrue(r.ok(), r.error());
		assertEquals("mask - cells - a cell", line(r, "first: "));
		assertEquals("mask - cells - a cell-2", line(r, "second: "));
		assertEquals("alpha - cells - a cell-2", line(r, "alpha: "), "a run's windows share their suffix");
	}

	@Test
	void aGuideImageSteersGuidedBilateral() throws Exception {
		MacroRunner.Result r = macro("""
			newImage("depth", "32-bit ramp", 24, 20, 1);
			newImage("cells", "RGB ramp", 24, 20, 1);
			run("Peekaboo Segment...", "prompts=[a cell] representation=[guided bilateral] guide=depth %s");
			print("done: " + getTitle());
			selectImage("alpha - cells - a cell");
			print("label: " + getInfo("slice.label"));
			""".formatted(FAST));
		assertTrue(r.ok(), r.error());
		assertEquals("mask - cells - a cell", line(r, "done: "));
		assertEquals("a cell", line(r, "label: "), "a single prompt still labels its slice");
	}

	@Test
	void badInputEndsInOneClearMessage() throws Exception {
		String rgb = "newImage(\"cells\", \"RGB ramp\", 24, 20, 1);\n";
		assertFailure("", "prompts=[a cell] " + FAST, "Peekaboo Segment: there is no image open: open an image first " +
			"('Peekaboo Segment' works on the current image).");
		assertFailure(rgb, "prompts=[a;;b] " + FAST, "Peekaboo Segment: prompt 2 of 3 in 'prompts' is empty " +
			"(\"a;;b\"): remove the extra ';' or line break.");
		assertFailure(rgb, FAST, "Peekaboo Segment: no prompt given: describe what to segment in 'prompts', e.g. " +
			"prompts=[a cat; a dog] (several prompts separated by ';').");
		Path vit = Path.of("models/tiny-vit").toAbsolutePath();
		MacroRunner.Result notAModel = macro(rgb + "run(\"Peekaboo Segment...\", \"prompts=[a] model=[" + vit + "]\");");
		assertTrue(notAModel.error().startsWith("Peekaboo Segment: " + vit + " is not a usable diffusers Stable " +
			"Diffusion folder: model_index: model_index.json is missing;"), notAModel.error());
		assertTrue(notAModel.error().endsWith(" Choose another folder (model=[folder]), or download a model with " +
			"Plugins > DiffSeg > Model Manager."), notAModel.error());
		assertFailure("newImage(\"two\", \"16-bit ramp\", 24, 20, 2, 1, 1);\n", "prompts=[a] " + FAST, "Peekaboo " +
			"Segment: image 'two' has 2 channels: choose in 'channels' one (used as grey), e.g. channels=2, or three " +
			"(used as R, G, B), e.g. channels=[1,2,3].");
		assertFailure(rgb, "prompts=[a] channels=[1,4] " + FAST, "Peekaboo Segment: channels=1,4: give channel numbers " +
			"from 1 to 3, one (used as grey) or three (used as R, G, B).");
		assertFailure(rgb, "prompts=[a] representation=[guided bilateral] " + FAST, "Peekaboo Segment: " +
			"representation=[guided bilateral] needs a guide image (e.g. a depth map): give the title of an open image " +
			"in 'guide' (guide=[its title]), or use 'fourier bilateral'.");
		assertFailure("newImage(\"depth\", \"8-bit ramp\", 10, 10, 1);\n" + rgb, "prompts=[a] representation=[guided " +
			"bilateral] guide=depth " + FAST, "Peekaboo Segment: the guide image \"depth\" is 10x10 but the image is " +
				"24x20: choose a guide of the same size.");
		assertFailure(rgb, "prompts=[a] representation=raster_bilateral " + FAST, "Peekaboo Segment: " +
			"representation=raster_bilateral: choose one of fourier bilateral, fourier, raster bilateral, raster, " +
			"guided bilateral.");
		assertFailure(rgb, "prompts=[a] size=4 " + FAST.replace("size=16 ", ""), "Peekaboo Segment: size=4: 'size' must " +
			"be at least 8.");
	}

	/** A virtual stack's planes live on disk, so nothing could be shared with the engine: refused, named. */
	@Test
	void anUnsupportedImageIsRefusedByName() {
		VirtualStack stack = new VirtualStack(16, 16, null, dir.toString()) {
			@Override
			public ImageProcessor getProcessor(int n) {
				return new ByteProcessor(16, 16);
			}

			@Override
			public int getSize() {
				return 2;
			}
		};
		ExecutionException e = assertThrows(ExecutionException.class, () -> run(Map.of("image", new ImagePlus("on disk",
			stack), "prompts", "a cell")).get());
		String message = UserMessages.describe(e);
		assertTrue(message.startsWith("Image 'on disk' is a virtual stack") && message.contains("(Image > Duplicate...)"),
			message);
	}

	/** Fiji's cancel button (the task's) stops the run: no outputs, the input unchanged. */
	@Test
	void cancellingLeavesNoOutputs() throws Exception {
		ImagePlus input = ij.IJ.createImage("cells", "RGB ramp", 24, 20, 1);
		int[] pixels = ((int[]) input.getProcessor().getPixels()).clone();
		try (TaskCanceller canceller = new TaskCanceller(context, "Peekaboo")) {
			CommandModule module = run(Map.of("image", input, "prompts", "a cell", "iterations", 10_000)).get();
			assertTrue(module.isCanceled());
			assertTrue(module.getCancelReason().contains("cancel"), module.getCancelReason());
			for (String output : List.of("alpha", "masks", "timelapse_maps"))
				assertNull(module.getOutput(output), output);
			assertArrayEquals(pixels, (int[]) input.getProcessor().getPixels());
		}
	}

	@Test
	void choicesAndDefaultsAreTheEngines() {
		CommandInfo info = context.service(CommandService.class).getCommand(PeekabooSegment.class);
		List<String> kinds = Arrays.stream(AlphaRepresentation.Kind.values()).map(AlphaRepresentation.Kind::label).toList();
		assertEquals(kinds.stream().sorted().toList(), info.getInput("representation").getChoices().stream().sorted()
			.toList());
		PeekabooSettings d = PeekabooSettings.defaults();
		CommandModule module = (CommandModule) context.service(org.scijava.module.ModuleService.class).createModule(info);
		assertEquals(d.representation(), module.getInput("representation"));
		assertEquals(d.iterations(), module.getInput("iterations"));
		assertEquals(d.size(), module.getInput("size"));
		assertEquals(d.square(), module.getInput("square"));
		assertEquals((double) d.threshold(), module.getInput("threshold"));
		assertEquals((double) d.learningRate(), module.getInput("learning_rate"));
		assertEquals((double) d.guidance(), module.getInput("guidance"));
		assertEquals(d.bilateral().iterations(), module.getInput("blur_passes"));
		assertEquals(true, module.getInput("add_rois"));
		assertEquals(false, module.getInput("all_planes"));
	}

	/** Runs the command as a script does: parameters as a map, no dialog, the tiny model on the CPU, 2 iterations. */
	private static java.util.concurrent.Future<CommandModule> run(Map<String, Object> inputs) {
		Map<String, Object> all = new HashMap<>(Map.of("iterations", 2, "size", 16, "device", "cpu", "model",
			MODEL.toFile()));
		all.putAll(inputs);
		return context.service(CommandService.class).run(PeekabooSegment.class, false, all);
	}

	private void assertFailure(String setup, String options, String expected) throws Exception {
		MacroRunner.Result r = macro(setup + "run(\"Peekaboo Segment...\", \"" + options.replace("\"", "\\\"") +
			"\");\nprint(\"still running\");\n");
		assertEquals(expected, r.error(), r.log().toString());
		assertFalse(r.log().contains("still running"), "the failure aborts the macro");
		assertEquals(List.of("DiffSeg: " + expected), r.log(), "one line in the Log, no stack trace");
	}

	private static void assertGeometry(ImagePlus imp, int bitDepth, int width, int height, int c, int z, int t) {
		assertEquals(bitDepth, imp.getBitDepth(), imp.getTitle());
		assertEquals(List.of(width, height, c, z, t), List.of(imp.getWidth(), imp.getHeight(), imp.getNChannels(),
			imp.getNSlices(), imp.getNFrames()), imp.getTitle());
		assertEquals("micron", imp.getCalibration().getUnit(), imp.getTitle() + " keeps the input's calibration");
		assertTrue(imp.getCalibration().pixelWidth == 0.5 || imp.getCalibration().pixelWidth == 0.25, imp.getTitle());
	}

	private static List<String> labels(ImagePlus imp) {
		List<String> labels = new ArrayList<>();
		for (int i = 1; i <= imp.getStackSize(); i++) labels.add(imp.getStack().getSliceLabel(i));
		return labels;
	}
}
