package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.Prototypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code diffseg prototypes} and {@code diffseg ovdiff} on the shipped tiny model with tiny settings. */
class OvDiffCommandTest {
	static final String[] TINY = { "--n", "2", "--steps", "2", "--parts", "4", "--batch", "2" };

	@TempDir
	Path tmp;

	record Result(int code, String out, String err) {}

	/** Runs {@code diffseg <the command's name> args} through {@link DiffSegCli#run}, the real wiring. */
	static Result run(Object command, String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		String[] all = new String[args.length + 1];
		all[0] = command.getClass().getAnnotation(CommandLine.Command.class).name();
		System.arraycopy(args, 0, all, 1, args.length);
		int code = DiffSegCli.run(all, new PrintWriter(out), new PrintWriter(err));
		return new Result(code, out.toString(), err.toString());
	}

	static String[] concat(String[] a, String... b) {
		String[] out = new String[a.length + b.length];
		System.arraycopy(a, 0, out, 0, a.length);
		System.arraycopy(b, 0, out, a.length, b.length);
		return out;
	}

	static Path picture(Path dir, int w, int h) {
		ColorProcessor cp = new ColorProcessor(w, h);
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
			cp.set(x, y, ((x * 5) & 255) << 16 | ((y * 7) & 255) << 8 | (x < w / 2 ? 40 : 220));
		Path file = dir.resolve("picture.png");
		IJ.save(new ImagePlus("picture", cp), file.toString());
		return file;
	}

	static String oneLineFailure(Result r) {
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code(), r.out() + r.err());
		List<String> lines = r.err().lines().filter(l -> l.startsWith("diffseg: ")).toList();
		assertEquals(1, lines.size(), r.err());
		assertFalse(lines.get(0).contains("Exception"), lines.get(0));
		return lines.get(0);
	}

	@Test
	void buildThenSegmentWritesEveryFile() throws Exception {
		Path bank = tmp.resolve("bank");
		Result built = run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat", "--class",
			"sky"));
		assertEquals(0, built.code(), built.err());
		assertTrue(built.err().contains("(cat), support image 2/2") && built.err().contains("(sky), prototypes of image 2/2"),
			built.err());
		assertEquals(List.of("built cat", "built sky"), built.out().lines().limit(2).toList());
		Result extended = run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "Cat",
			"--class", "dog"));
		assertEquals(0, extended.code(), extended.err());
		assertTrue(extended.out().contains("kept  Cat") && extended.out().contains("built dog") &&
			extended.out().contains("(3 classes"), extended.out());
		assertFalse(extended.err().contains("Cat:"), extended.err());

		int w = 50, h = 34;
		Path image = picture(tmp, w, h), out = tmp.resolve("out");
		Result seg = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--class", "dog",
			"--class", "sky", "--class", "CAT", "--out", out.toString());
		assertEquals(0, seg.code(), seg.err());
		assertTrue(seg.err().contains("window 1/"), seg.err());
		try (Stream<Path> files = Files.list(out)) {
			assertEquals(List.of(".diffseg-manifest.json", "classes.csv", "explain.json", "labels.tif", "result.json",
				"rois.zip", "scores.tif"),
				files.map(p -> p.getFileName().toString()).sorted().toList());
		}
		ImagePlus labels = IJ.openImage(out.resolve("labels.tif").toString());
		assertEquals(16, labels.getBitDepth());
		assertEquals(w, labels.getWidth());
		assertEquals(h, labels.getHeight());
		assertTrue(labels.getProcessor().isColorLut() || labels.getProcessor().getLut().getMapSize() > 0);
		List<String> csv = Files.readAllLines(out.resolve("classes.csv"));
		assertEquals(List.of("label,name,pixels"), csv.subList(0, 1));
		assertEquals(List.of("background", "dog", "sky", "cat"), csv.subList(1, 5).stream().map(l -> l.split(",")[1]).toList());
		long[] counts = csv.subList(1, 5).stream().mapToLong(l -> Long.parseLong(l.split(",")[2])).toArray();
		long[] actual = new long[4];
		short[] px = (short[]) labels.getProcessor().getPixels();
		for (short v : px) actual[v]++;
		assertArrayEquals(counts, actual);
		ImagePlus scores = IJ.openImage(out.resolve("scores.tif").toString());
		assertEquals(4, scores.getStackSize());
		assertEquals(32, scores.getBitDepth());
		assertEquals("background", scores.getStack().getSliceLabel(1));
		assertEquals("cat", scores.getStack().getSliceLabel(4));
		List<String> rois = new ArrayList<>();
		try (ZipFile zip = new ZipFile(out.resolve("rois.zip").toFile())) {
			zip.stream().forEach(z -> rois.add(z.getName()));
		}
		List<String> present = new ArrayList<>();
		for (int l = 1; l < 4; l++) if (counts[l] > 0) present.add(csv.get(l + 1).split(",")[1] + ".roi");
		assertEquals(present, rois);
		JsonObject explain = JsonParser.parseString(Files.readString(out.resolve("explain.json"))).getAsJsonObject();
		JsonArray perLabel = explain.getAsJsonArray("labels");
		assertEquals(4, perLabel.size());
		for (int l = 0; l < 4; l++) {
			JsonObject label = perLabel.get(l).getAsJsonObject();
			assertEquals(counts[l], label.get("pixels").getAsLong());
			JsonArray winners = label.getAsJsonArray("extractors").get(0).getAsJsonObject().getAsJsonArray("winners");
			long sum = 0;
			for (JsonElement e : winners) {
				JsonObject p = e.getAsJsonObject();
				sum += p.get("pixels").getAsLong();
				assertEquals(l == 0 ? "background" : "foreground", p.get("region").getAsString());
				if (l > 0) assertEquals(label.get("name").getAsString(), p.get("class").getAsString());
				else assertNotEquals("sky", p.get("class").getAsString()); // stuff: no background prototypes
				String kind = p.get("kind").getAsString();
				assertTrue(List.of("class", "instance", "part").contains(kind));
				if (kind.equals("instance")) assertTrue(p.get("support_image_name").getAsString().contains(" #"));
				if (kind.equals("part")) assertTrue(p.get("part").getAsInt() >= 0);
			}
			if (!winners.isEmpty()) assertEquals(counts[l], sum, "label " + l);
		}
		JsonObject result = JsonParser.parseString(Files.readString(out.resolve("result.json"))).getAsJsonObject();
		assertEquals(w, result.get("width").getAsInt());
		assertEquals("2", result.getAsJsonObject("bank_settings").get("support_images").getAsString());
		assertTrue(result.getAsJsonObject("stuff").get("sky").getAsBoolean());

		// every class in the bank when none is named
		Result all = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			tmp.resolve("all").toString());
		assertEquals(0, all.code(), all.err());
		assertEquals(4, Files.readAllLines(tmp.resolve("all/classes.csv")).size() - 1);

		// --pamr: recorded in result.json, same labels and size
		Result refined = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			tmp.resolve("pamr").toString(), "--pamr", "--shorter-side", "64");
		assertEquals(0, refined.code(), refined.err());
		JsonObject pamr = JsonParser.parseString(Files.readString(tmp.resolve("pamr/result.json"))).getAsJsonObject();
		assertTrue(pamr.getAsJsonObject("segmentation").get("pamr").getAsBoolean());
		assertFalse(result.getAsJsonObject("segmentation").get("pamr").getAsBoolean());
		assertEquals(w, IJ.openImage(tmp.resolve("pamr/labels.tif").toString()).getWidth());
	}

	/** A stack: every plane by default (said on stderr), one with --slice; the same labels in every plane. */
	@Test
	void everyPlaneOfAStackOrTheChosenOne() throws Exception {
		Path bank = tmp.resolve("bank");
		assertEquals(0, run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat", "--class",
			"dog")).code());
		ij.ImageStack stack = new ij.ImageStack(20, 16);
		for (int z = 0; z < 3; z++) {
			ColorProcessor cp = new ColorProcessor(20, 16);
			for (int y = 0; y < 16; y++) for (int x = 0; x < 20; x++) cp.set(x, y, (x * (z + 3)) << 16 | (y * 9) << 8 | 90);
			stack.addSlice("z" + z, cp);
		}
		Path file = tmp.resolve("stack.tif");
		IJ.saveAsTiff(new ImagePlus("stack", stack), file.toString());
		Result all = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", file.toString(), "--out",
			tmp.resolve("all").toString(), "--shorter-side", "0");
		assertEquals(0, all.code(), all.err());
		assertTrue(all.err().contains("3 slices") && all.err().contains("every plane"), all.err());
		assertTrue(all.err().contains("--slice N"), "the note says how to choose, in the CLI's words: " + all.err());
		assertTrue(all.err().contains("plane 3/3"), all.err());
		ImagePlus labels = IJ.openImage(tmp.resolve("all/labels.tif").toString());
		assertEquals(3, labels.getNSlices());
		List<String> csv = Files.readAllLines(tmp.resolve("all/classes.csv"));
		assertEquals("plane,label,name,pixels", csv.get(0));
		assertEquals(3 * 3, csv.size() - 1, "a row per plane and label");
		assertEquals(3, JsonParser.parseString(Files.readString(tmp.resolve("all/result.json"))).getAsJsonObject()
			.getAsJsonArray("planes").size());
		Result one = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", file.toString(), "--out",
			tmp.resolve("one").toString(), "--shorter-side", "0", "--slice", "2");
		assertEquals(0, one.code(), one.err());
		assertTrue(one.err().contains("1 of its 3 planes"), one.err());
		assertEquals(1, IJ.openImage(tmp.resolve("one/labels.tif").toString()).getStackSize());
		assertEquals("label,name,pixels", Files.readAllLines(tmp.resolve("one/classes.csv")).get(0));
		// the same plane, segmented alone or in the stack, gets the same labels
		ImagePlus second = IJ.openImage(tmp.resolve("one/labels.tif").toString());
		labels.setSlice(2);
		assertArrayEquals((short[]) labels.getProcessor().getPixels(), (short[]) second.getProcessor().getPixels());
		String outside = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", file.toString(),
			"--out", tmp.resolve("none").toString(), "--slice", "4"));
		assertTrue(outside.contains("--slice") && outside.contains("3 slices"), outside);
		String channels = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", file.toString(),
			"--out", tmp.resolve("none").toString(), "--channel", "1", "--channel", "2"));
		assertTrue(channels.contains("one channel") || channels.contains("three"), channels);
	}

	@Test
	void badInputFailsWithOneLine() throws Exception {
		Path bank = tmp.resolve("bank");
		assertEquals(0, run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat")).code());
		Path image = picture(tmp, 20, 20), out = tmp.resolve("out");
		String unknown = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image",
			image.toString(), "--class", "zebra", "--out", out.toString()));
		assertTrue(unknown.contains("'zebra'") && unknown.contains("diffseg prototypes") &&
			unknown.contains("support_images=2"), unknown);
		assertFalse(Files.exists(out.resolve("result.json")));
		assertFalse(Files.exists(out), "a failed run leaves no output folder behind");
		Path mine = Files.createDirectories(tmp.resolve("mine"));
		Files.writeString(mine.resolve("labels.tif"), "the user's own");
		String refused = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image",
			image.toString(), "--class", "cat", "--out", mine.toString()));
		assertTrue(refused.contains("labels.tif") && refused.contains("was not written by DiffSeg") &&
			refused.contains("--overwrite"), refused);
		try (Stream<Path> left = Files.list(mine)) {
			assertEquals(List.of("labels.tif"), left.map(p -> p.getFileName().toString()).toList());
		}
		assertEquals("the user's own", Files.readString(mine.resolve("labels.tif")));
		Result replaced = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--class",
			"cat", "--out", mine.toString(), "--overwrite");
		assertEquals(0, replaced.code(), replaced.err());
		assertEquals(16, IJ.openImage(mine.resolve("labels.tif").toString()).getBitDepth());
		String dup = oneLineFailure(run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class",
			"Dog", "--class", "dog ")));
		assertTrue(dup.contains("same class"), dup);
		String settings = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--n", "32", "--out", out.toString()));
		assertTrue(settings.contains("support_images=32"), settings);
		String splitter = oneLineFailure(run(new PrototypesCommand(), "--bank", bank.toString(), "--class", "x",
			"--splitter", "magic"));
		assertTrue(splitter.contains("--splitter"), splitter);
		// CLIP asked for, the bank built without it: the fix is named
		String clip = Path.of("models/tiny-vit/tiny-clip").toString();
		String noClip = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--class", "cat", "--clip", clip, "--out", out.toString()));
		assertTrue(noClip.contains("has 'cat' for SD features but not for CLIP: build it with CLIP too (diffseg " +
			"prototypes --clip DIR --class \"cat\""), noClip);
		String emptyForClip = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image",
			image.toString(), "--clip", clip, "--out", out.toString()));
		assertTrue(emptyForClip.contains("has classes for SD features but none for CLIP") &&
			emptyForClip.contains("segment without CLIP"), emptyForClip);
		// a bank built with another model only
		Path foreign = tmp.resolve("foreign");
		PrototypeBank other = new PrototypeBank(foreign, "another-model", java.util.Map.of("parts", "1"));
		try (NDManager m = NDManager.newBaseManager()) {
			Prototypes.Group g = new Prototypes.Group(m.create(new float[] { 1, 0 }, new ai.djl.ndarray.types.Shape(1, 2)),
				List.of(new Prototypes.Origin(Prototypes.Kind.CLASS, -1, -1, 1)), m.full(new ai.djl.ndarray.types.Shape(1,
				1, 1), -1));
			other.put(new PrototypeBank.Entry("cat", false, "sd", new Prototypes(g, g), List.of("cat #0")));
		}
		String foreignModel = oneLineFailure(run(new OvDiffCommand(), "--bank", foreign.toString(), "--image",
			image.toString(), "--out", out.toString()));
		assertTrue(foreignModel.contains("another model"), foreignModel);
		String empty = oneLineFailure(run(new OvDiffCommand(), "--bank", tmp.resolve("nothing").toString(), "--image",
			image.toString(), "--out", out.toString()));
		assertTrue(empty.contains("no prototypes for this model") && empty.contains("diffseg prototypes"), empty);
	}

	@Test
	void clipAndDinoJoinTheEnsembleAndClipFilters() throws Exception {
		String clip = Path.of("models/tiny-vit/tiny-clip").toString(), dino = Path.of("models/tiny-vit/tiny-dino")
			.toString();
		Path bank = tmp.resolve("bank");
		List<String> classes = List.of("cat", "dog", "sky", "car", "bird", "horse");
		List<String> args = new ArrayList<>(List.of(TINY));
		args.addAll(List.of("--bank", bank.toString(), "--clip", clip, "--dino", dino));
		for (String c : classes) args.addAll(List.of("--class", c));
		Result built = run(new PrototypesCommand(), args.toArray(String[]::new));
		assertEquals(0, built.code(), built.err());
		try (Stream<Path> files = Files.list(bank)) {
			assertEquals(3 * classes.size(), files.filter(f -> f.toString().endsWith(PrototypeBank.SUFFIX)).count(),
				"one file per class and extractor");
		}
		Path image = picture(tmp, 40, 30), out = tmp.resolve("out");
		Result seg = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			out.toString(), "--shorter-side", "64", "--clip", clip, "--dino", dino);
		assertEquals(0, seg.code(), seg.err());
		JsonObject result = JsonParser.parseString(Files.readString(out.resolve("result.json"))).getAsJsonObject();
		List<String> extractors = new ArrayList<>();
		result.getAsJsonArray("extractors").forEach(e -> extractors.add(e.getAsString()));
		assertEquals(3, extractors.size(), extractors.toString());
		assertTrue(extractors.get(1).startsWith("clip") && extractors.get(2).startsWith("dino"), extractors.toString());
		// every class of the bank (in name order) keeps its label; those CLIP removed have no pixels
		List<String> csv = Files.readAllLines(out.resolve("classes.csv"));
		List<String> vocabulary = classes.stream().sorted().toList();
		assertEquals(vocabulary, csv.subList(2, csv.size()).stream().map(l -> l.split(",")[1]).toList());
		JsonObject filter = result.getAsJsonObject("category_filter");
		List<String> selected = new ArrayList<>();
		filter.getAsJsonArray("selected").forEach(e -> selected.add(e.getAsString()));
		assertTrue(selected.contains("sky"), selected.toString());
		assertEquals(List.of("sky"), List.of(filter.getAsJsonArray("stuff_bypassed").get(0).getAsString()));
		assertEquals(5, filter.getAsJsonArray("things").size());
		assertTrue(selected.size() < classes.size(), "the tiny CLIP removes a class from this picture: " + selected);
		for (String line : csv.subList(2, csv.size())) {
			String[] f = line.split(",");
			if (!selected.contains(f[1])) assertEquals("0", f[2], line);
		}
		ImagePlus scores = IJ.openImage(out.resolve("scores.tif").toString());
		for (int l = 1; l <= vocabulary.size(); l++) {
			float v = scores.getStack().getProcessor(l + 1).getf(0);
			assertEquals(!selected.contains(vocabulary.get(l - 1)), Float.isNaN(v), vocabulary.get(l - 1));
		}
		// --no-category-filter: every class is matched
		Path all = tmp.resolve("all");
		assertEquals(0, run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			all.toString(), "--shorter-side", "64", "--clip", clip, "--no-category-filter").code());
		JsonObject unfiltered = JsonParser.parseString(Files.readString(all.resolve("result.json"))).getAsJsonObject();
		assertNull(unfiltered.get("category_filter"));
		assertEquals(2, unfiltered.getAsJsonArray("extractors").size());
		// without them: Stable Diffusion alone, and a note that the bank has more
		Result sdOnly = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			tmp.resolve("sd-only").toString(), "--shorter-side", "64", "--clip", clip);
		assertEquals(0, sdOnly.code(), sdOnly.err());
		assertTrue(sdOnly.err().contains("note: the bank also holds DINO prototypes of these classes: add --dino DIR"),
			sdOnly.err());
		assertFalse(sdOnly.err().contains("CLIP prototypes"), sdOnly.err());
		// another CLIP model (same weights, another config, so another identity): the bank's CLIP prototypes do not fit
		Path otherClip = Files.createDirectories(tmp.resolve("other-clip"));
		try (Stream<Path> files = Files.list(Path.of(clip))) {
			for (Path f : files.toList()) Files.copy(f, otherClip.resolve(f.getFileName()));
		}
		Files.writeString(otherClip.resolve("config.json"), Files.readString(otherClip.resolve("config.json"))
			.replaceFirst("\\{", "{\"_note\": \"another\", "));
		String another = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--class", "cat", "--out", tmp.resolve("another").toString(), "--clip", otherClip.toString()));
		assertTrue(another.contains("has 'cat' for the features of another CLIP model"), another);
		// a DINO folder given as CLIP: one line naming the folder's model type
		String wrong = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--out", tmp.resolve("wrong").toString(), "--clip", dino));
		assertTrue(wrong.contains("'vit' model, not clip"), wrong);
	}
}
