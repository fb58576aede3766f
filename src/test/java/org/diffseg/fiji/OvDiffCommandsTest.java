package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.diffseg.ovdiff.PrototypeBank;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;

/**
 * {@code OVDiff Build Vocabulary...} and {@code OVDiff Segment...} run headlessly through the macro bridge on the tiny
 * model: one two-class bank is built once (2 support images, 2 steps) and segmented against.
 */
class OvDiffCommandsTest {

	private static final Path MODEL = Path.of("models/tiny-sd-a").toAbsolutePath();

	private static Context context;

	@TempDir
	static Path shared;

	private static Path bank;

	@TempDir
	Path dir;

	@BeforeAll
	static void buildBank() throws Exception {
		ImageJ1Patch.ensurePatched();
		context = new Context();
		bank = shared.resolve("bank");
		MacroRunner.Result r = macro(shared, "run(\"OVDiff Build Vocabulary...\", \"classes=[cell;\\nnucleus] bank=[" +
			bank + "] support_images=2 steps=2 seed=7 device=cpu model=[" + MODEL + "]\");\n");
		assertNull(r.error(), r.log().toString());
		assertEquals(List.of("OVDiff vocabulary: built cell; built nucleus; bank " + bank + ": 2 classes for this " +
			"model and settings"), r.log());
		assertEquals(2, bankFiles(bank));
	}

	@AfterAll
	static void disposeContext() {
		context.dispose();
	}

	private static MacroRunner.Result macro(Path folder, String code) throws IOException, InterruptedException {
		Path file = Files.createTempFile(folder, "test", ".ijm");
		Files.writeString(file, code);
		return MacroRunner.run(context, file, "");
	}

	private static long bankFiles(Path folder) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.filter(p -> p.toString().endsWith(PrototypeBank.SUFFIX)).count();
		}
	}

	/** A calibrated RGB image, 64x48, 0.5 µm pixels. */
	private static final String INPUT = """
		newImage("cells", "RGB ramp", 64, 48, 1);
		setVoxelSize(0.5, 0.5, 1, "um");
		""";

	private String segment(String options) {
		return "run(\"OVDiff Segment...\", \"bank=[" + bank + "] device=cpu shorter_side=0 model=[" + MODEL + "] " + options + "\");\n";
	}

	@Test
	void rebuildingKeepsTheClassesInTheBank() throws Exception {
		MacroRunner.Result r = macro(dir, "run(\"OVDiff Build Vocabulary...\", \"classes=[Cell] bank=[" + bank +
			"] support_images=2 steps=2 seed=7 device=cpu model=[" + MODEL + "]\");\n");
		assertNull(r.error(), r.log().toString());
		assertTrue(r.log().get(0).startsWith("OVDiff vocabulary: kept Cell; bank "), r.log().toString());
		assertEquals(2, bankFiles(bank));
	}

	@Test
	void segmentsIntoLabelsTableRoisAndScores() throws Exception {
		MacroRunner.Result r = macro(dir, INPUT + segment("classes=[] score_maps=true") + """
			print("labels: " + getTitle() + " " + bitDepth() + " " + getWidth() + "x" + getHeight() + " " + nSlices);
			getPixelSize(unit, pw, ph);
			print("calibration: " + unit + " " + pw + " " + ph);
			print("names: " + Property.get("class names") + " | " + getInfo("slice.label"));
			print("rois: " + Overlay.size);
			for (i = 0; i < Overlay.size; i++) {
				Overlay.activateSelection(i);
				print("roi: " + Roi.getName);
			}
			print("rows: " + nResults);
			sum = 0;
			for (i = 0; i < nResults; i++) {
				print("row: " + getResult("label", i) + " " + getResultString("class", i) + " " + getResult("pixels", i) +
					" " + getResult("area", i));
				sum = sum + getResult("pixels", i);
			}
			print("pixels: " + sum);
			selectImage("cells-scores");
			setSlice(3);
			print("scores: " + bitDepth() + " " + nSlices + " " + getInfo("slice.label"));
			selectImage("cells");
			print("input: " + bitDepth() + " " + nSlices + " " + getPixel(63, 0) + " " + nImages);
			""");
		assertNull(r.error(), r.log().toString());
		List<String> log = r.log();
		assertTrue(log.contains("labels: cells-labels 16 64x48 1"), log.toString());
		assertTrue(log.contains("calibration: \u00b5m 0.5 0.5"), log.toString());
		assertTrue(log.contains("names: background;cell;nucleus | background;cell;nucleus"), log.toString());
		assertTrue(log.contains("rows: 3"), log.toString());
		assertTrue(log.contains("pixels: 3072"), log.toString());
		int rois = 0;
		for (String line : log) {
			if (line.startsWith("roi: ")) {
				assertTrue(line.equals("roi: cell") || line.equals("roi: nucleus"), line);
				rois++;
			}
			if (line.startsWith("row: ")) {
				String[] f = line.split(" ");
				// area in µm² is a quarter of the pixel count at 0.5 µm pixels
				assertEquals(Double.parseDouble(f[3]) / 4, Double.parseDouble(f[4]), 1e-9, line);
				if (!f[1].equals("0") && Double.parseDouble(f[3]) > 0) assertTrue(log.contains("roi: " + f[2]), line);
			}
		}
		assertTrue(log.contains("rois: " + rois), log.toString());
		assertTrue(log.contains("row: 0 background " + rowPixels(log, 0) + " " + rowArea(log, 0)), log.toString());
		assertTrue(log.contains("scores: 32 3 nucleus"), log.toString());
		// the input is unchanged: RGB, the ramp's last column is 252 grey in 8 bits
		assertTrue(log.stream().anyMatch(l -> l.matches("input: 24 1 -?\\d+ 3")), log.toString());
	}

	private static String rowPixels(List<String> log, int label) {
		return log.stream().filter(l -> l.startsWith("row: " + label + " ")).findFirst().orElseThrow().split(" ")[3];
	}

	private static String rowArea(List<String> log, int label) {
		return log.stream().filter(l -> l.startsWith("row: " + label + " ")).findFirst().orElseThrow().split(" ")[4];
	}

	@Test
	void everyPlaneOfAStackWhenAsked() throws Exception {
		MacroRunner.Result r = macro(dir, """
			newImage("stack", "RGB ramp", 48, 32, 3);
			setSlice(2);
			""" + segment("classes=[nucleus] all_planes=true pamr=true") + """
			print("labels: " + nSlices + " " + Property.get("class names"));
			print("rows: " + nResults + " " + getResult("plane", nResults - 1));
			selectImage("stack");
			""" + segment("classes=[nucleus] all_planes=false") + """
			print("one: " + nSlices + " " + nResults);
			""");
		assertNull(r.error(), r.log().toString());
		assertTrue(r.log().contains("labels: 3 background;nucleus"), r.log().toString());
		assertTrue(r.log().contains("rows: 6 3"), r.log().toString());
		assertTrue(r.log().contains("one: 1 2"), r.log().toString());
	}

	/** A two-channel hyperstack, as on the command line: one channel chosen, every plane; no choice is an error. */
	@Test
	void aChosenChannelOfEveryPlane() throws Exception {
		String hyperstack = "newImage(\"two\", \"16-bit ramp\", 40, 24, 2, 2, 1);\n";
		MacroRunner.Result r = macro(dir, hyperstack + segment("classes=[nucleus] channels=2 all_planes=true") + """
			print("labels: " + nSlices);
			""");
		assertNull(r.error(), r.log().toString());
		assertTrue(r.log().contains("labels: 2"), r.log().toString());
		String none = macro(dir, hyperstack + segment("classes=[nucleus]")).error();
		assertTrue(none != null && none.contains("2 channels") && none.contains("channels="), none);
	}

	@Test
	void badInputIsOneClearMessage() throws Exception {
		assertEquals("OVDiff Segment: there is no image open: open an image first ('OVDiff Segment' works on the " +
			"current image).", macro(dir, segment("")).error());
		assertEquals("OVDiff Build Vocabulary: no class given: name the classes to build in 'classes', e.g. " +
			"classes=[cell; nucleus] (several separated by ';').", macro(dir, "run(\"OVDiff Build Vocabulary...\", " +
				"\"classes=[ ] bank=[" + dir + "] model=[" + MODEL + "]\");\n").error());
		String empty = macro(dir, "run(\"OVDiff Build Vocabulary...\", \"classes=[cell;;nucleus] bank=[" + dir +
			"] model=[" + MODEL + "]\");\n").error();
		assertTrue(empty.startsWith("OVDiff Build Vocabulary: class 2 of 3 in 'classes' is empty"), empty);
		String unknown = macro(dir, INPUT + segment("classes=[dog]")).error();
		assertTrue(unknown.startsWith("OVDiff Segment: the prototype bank " + bank + " has no prototypes for 'dog'"),
			unknown);
		String notModel = macro(dir, INPUT + "run(\"OVDiff Segment...\", \"bank=[" + bank + "] model=[" + dir + "]\");\n")
			.error();
		assertTrue(notModel.startsWith("OVDiff Segment: ") && notModel.contains("model=[folder]"), notModel);
		assertEquals(2, bankFiles(bank));
	}

	@Test
	void aBankOfAnotherModelIsRefused() throws Exception {
		Path other = otherModel(dir.resolve("other-model"));
		String error = macro(dir, INPUT + "run(\"OVDiff Segment...\", \"bank=[" + bank + "] device=cpu model=[" + other +
			"]\");\n").error();
		assertTrue(error != null && error.startsWith("OVDiff Segment: the prototype bank " + bank + " has no " +
			"prototypes for this model (its 2 files were built with another model"), error);
	}

	/** The tiny model with a changed scheduler config: the same weights (linked), another identity. */
	private static Path otherModel(Path to) throws IOException {
		for (String part : List.of("text_encoder", "tokenizer", "unet", "vae", "scheduler")) {
			Files.createDirectories(to.resolve(part));
			try (Stream<Path> files = Files.list(MODEL.resolve(part))) {
				for (Path f : files.toList()) Files.createSymbolicLink(to.resolve(part).resolve(f.getFileName()), f);
			}
		}
		Files.copy(MODEL.resolve("model_index.json"), to.resolve("model_index.json"));
		Path scheduler = to.resolve("scheduler/scheduler_config.json");
		String config = Files.readString(scheduler);
		Files.delete(scheduler);
		Files.writeString(scheduler, config.replace("\"steps_offset\": 1", "\"steps_offset\": 1,\n  \"_note\": \"copy\""));
		return to;
	}

	@Test
	void clipAndDinoFoldersJoinTheEnsembleAndClipFilters() throws Exception {
		Path vit = Path.of("models/tiny-vit").toAbsolutePath(), vitBank = dir.resolve("vit-bank");
		String models = " clip=[" + vit.resolve("tiny-clip") + "] dino=[" + vit.resolve("tiny-dino") + "]";
		MacroRunner.Result built = macro(dir, "run(\"OVDiff Build Vocabulary...\", \"classes=[cat; dog; sky; car; " +
			"bird; horse] bank=[" + vitBank + "] support_images=2 steps=2 device=cpu model=[" + MODEL + "]" + models +
			"\");\n");
		assertNull(built.error(), built.log().toString());
		assertEquals(18, bankFiles(vitBank), "a file per class and extractor");
		MacroRunner.Result r = macro(dir, INPUT + "run(\"OVDiff Segment...\", \"bank=[" + vitBank + "] device=cpu " +
			"shorter_side=0 score_maps=true model=[" + MODEL + "]" + models + "\");\n" + """
			print("names: " + Property.get("class names"));
			for (i = 0; i < nResults; i++)
				print("row: " + getResultString("class", i) + " " + getResult("pixels", i) + " " + getResult("kept", i));
			selectImage("cells-scores");
			for (c = 2; c <= nSlices; c++) {
				setSlice(c);
				print("score: " + getInfo("slice.label") + " " + getPixel(0, 0));
			}
			""");
		assertNull(r.error(), r.log().toString());
		List<String> log = r.log();
		assertTrue(log.contains("names: background;bird;car;cat;dog;horse;sky"), log.toString());
		int removed = 0;
		for (String line : log) {
			String[] f = line.split(" ");
			if (line.startsWith("row: ") && f[3].equals("0")) {
				removed++;
				assertEquals("0", f[2], "a class the filter removed has no pixels: " + line);
				assertTrue(log.contains("score: " + f[1] + " NaN"), line);
			}
			else if (line.startsWith("row: ")) assertEquals("1", f[3], line);
		}
		assertTrue(removed > 0, "the tiny CLIP removes a class from the ramp: " + log);
		// the filter stays loaded beside CLIP, so the next image of a batch finds its prompts encoded
		assertTrue(context.service(DiffSegModelService.class).loaded().contains(new DiffSegModelService.Key(
			vit.resolve("tiny-clip"), "cpu", "float32", org.diffseg.ovdiff.CategoryFilter.class)), "filter cached");
		assertTrue(log.contains("row: sky 0 1") || log.stream().anyMatch(l -> l.matches("row: sky \\d+ 1")),
			"stuff bypasses the filter: " + log);
		// without the filter: no "kept" column, every class scored; without DINO (the bank's DINO prototypes unused:
		// a warning in the log)
		MacroRunner.Result all = macro(dir, INPUT + "run(\"OVDiff Segment...\", \"bank=[" + vitBank + "] device=cpu " +
			"shorter_side=0 category_filter=false model=[" + MODEL + "] clip=[" + vit.resolve("tiny-clip") + "]\");\n" +
			"print(\"columns: \" + String.getResultsHeadings);\n");
		assertNull(all.error(), all.log().toString());
		assertTrue(all.log().stream().anyMatch(l -> l.startsWith("columns: ") && !l.contains("kept")), all.log().toString());
		String missing = macro(dir, INPUT + "run(\"OVDiff Segment...\", \"bank=[" + vitBank + "] device=cpu model=[" +
			MODEL + "] clip=[" + dir.resolve("nowhere") + "]\");\n").error();
		assertTrue(missing.startsWith("OVDiff Segment: clip=[") && missing.contains("is not a folder"), missing);
	}
}
