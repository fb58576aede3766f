package org.diffseg.spark;

import static org.junit.jupiter.api.Assertions.*;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.diffseg.cli.DiffSegCli;
import org.diffseg.io.OutputFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three jobs in local[2] on the shipped tiny random-weight model (its outputs prove the plumbing, not
 * segmentation quality), over a folder with a damaged image among good ones, compared file by file with the command
 * line's outputs for the same image and settings.
 */
class SparkJobsTest {
	private static final String MODEL = "../models/tiny-sd-a";
	private static final String[] TINY = { "--n", "2", "--steps", "2", "--parts", "4", "--batch", "2" };

	@TempDir
	static Path tmp;
	static Path images, bank, built;

	record Result(int code, String out, String err) {}

	static Result spark(String job, String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		List<String> all = new ArrayList<>(List.of(job, "--master", "local[2]", "--model", MODEL));
		all.addAll(List.of(args));
		int code = DiffSegSpark.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
		return new Result(code, out.toString(), err.toString());
	}

	static Result cli(String command, String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		List<String> all = new ArrayList<>(List.of(command, "--model", MODEL));
		all.addAll(List.of(args));
		int code = DiffSegCli.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
		return new Result(code, out.toString(), err.toString());
	}

	static String[] concat(String[] a, String... b) {
		String[] all = new String[a.length + b.length];
		System.arraycopy(a, 0, all, 0, a.length);
		System.arraycopy(b, 0, all, a.length, b.length);
		return all;
	}

	/** An RGB picture, a two-slice grey stack, and a "PNG" that is text (a damaged download). */
	@BeforeAll
	static void folder() throws Exception {
		images = Files.createDirectories(tmp.resolve("images"));
		ColorProcessor cp = new ColorProcessor(40, 28);
		for (int y = 0; y < 28; y++) for (int x = 0; x < 40; x++)
			cp.set(x, y, ((x * 5) & 255) << 16 | ((y * 7) & 255) << 8 | (x < 20 ? 40 : 220));
		assertTrue(new FileSaver(new ImagePlus("picture", cp)).saveAsPng(images.resolve("picture.png").toString()));
		ImageStack stack = new ImageStack(32, 24);
		for (int z = 0; z < 2; z++) {
			ByteProcessor bp = new ByteProcessor(32, 24);
			for (int i = 0; i < 32 * 24; i++) bp.set(i, (i * (z + 3)) & 255);
			stack.addSlice("z" + z, bp);
		}
		assertTrue(new FileSaver(new ImagePlus("stack", stack)).saveAsTiffStack(images.resolve("stack.tif").toString()));
		Files.writeString(images.resolve("broken.png"), "<html>not found</html>");
		bank = tmp.resolve("bank");
		built = tmp.resolve("built");
		Result r = spark("prototypes", concat(TINY, "--bank", bank.toString(), "--class", "cat", "--class", "sky",
			"--out", built.toString()));
		assertEquals(0, r.code(), r.out() + r.err());
	}

	@AfterAll
	static void free() {
		ExecutorModels.closeAll();
	}

	static List<Map<String, String>> results(Path root) throws Exception {
		List<String> lines = Files.readAllLines(root.resolve("results.csv"));
		List<String> header = ResultsTable.parse(lines.get(0));
		List<Map<String, String>> rows = new ArrayList<>();
		for (String l : lines.subList(1, lines.size())) {
			List<String> cells = ResultsTable.parse(l);
			assertEquals(header.size(), cells.size(), l);
			Map<String, String> row = new LinkedHashMap<>();
			for (int i = 0; i < header.size(); i++) row.put(header.get(i), cells.get(i));
			rows.add(row);
		}
		return rows;
	}

	static Map<String, String> row(List<Map<String, String>> rows, String image) {
		return rows.stream().filter(r -> r.get("image").equals(image)).findFirst().orElseThrow(() ->
			new AssertionError(image + " not in " + rows));
	}

	static List<String> names(Path folder) throws Exception {
		try (Stream<Path> s = Files.list(folder)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void prototypesAreSpreadAndKeptLikeTheCommandLines() throws Exception {
		List<Map<String, String>> classes = results(built);
		assertEquals(List.of("cat", "sky"), classes.stream().map(r -> r.get("class")).sorted().toList());
		assertTrue(classes.stream().allMatch(r -> r.get("status").equals("built") && r.get("attempts").equals("1")),
			classes.toString());
		// the command line finds them in the bank: same files, same model identity and settings
		Result cli = cli("prototypes", concat(TINY, "--bank", bank.toString(), "--class", "cat", "--class", "sky"));
		assertEquals(0, cli.code(), cli.err());
		assertTrue(cli.out().contains("kept  cat") && cli.out().contains("kept  sky"), cli.out());
		Path more = tmp.resolve("more");
		Result again = spark("prototypes", concat(TINY, "--bank", bank.toString(), "--class", "sky", "--class", "dog",
			"--out", more.toString()));
		assertEquals(0, again.code(), again.err());
		Map<String, String> status = new LinkedHashMap<>();
		results(more).forEach(r -> status.put(r.get("class"), r.get("status")));
		assertEquals(Map.of("sky", "kept", "dog", "built"), status);
	}

	@Test
	void ovdiffOverAFolderWithADamagedImage() throws Exception {
		Path out = tmp.resolve("ovdiff");
		String[] args = { "--bank", bank.toString(), "--images", images.toString(), "--class", "cat", "--class", "sky",
			"--out", out.toString() };
		Result r = spark("ovdiff", args);
		assertEquals(DiffSegSpark.EXIT_FAILURE, r.code(), r.out() + r.err());
		assertTrue(r.err().contains("1 of 3 failed"), r.err());
		assertEquals(List.of(".diffseg-manifest.json", "classes.csv", "explain.json", "labels.tif", "result.json",
			"rois.zip", "scores.tif"), names(out.resolve("picture")));
		assertFalse(Files.exists(out.resolve("broken")), "a failed image leaves no folder");
		assertEquals(List.of("picture", "results.csv", "stack"), names(out));
		List<Map<String, String>> rows = results(out);
		assertEquals(3, rows.size());
		Map<String, String> broken = row(rows, "broken.png");
		assertEquals("failed", broken.get("status"));
		assertEquals("2", broken.get("attempts"), "tried again once (--retries 1)");
		assertTrue(broken.get("error").contains("broken.png") && broken.get("error").contains("text"),
			broken.get("error"));
		for (String image : List.of("picture", "stack")) {
			Map<String, String> ok = row(rows, image + (image.equals("picture") ? ".png" : ".tif"));
			assertEquals("done", ok.get("status"), ok.toString());
			assertEquals(image, ok.get("folder"));
			assertEquals("", ok.get("error"));
			// per-class pixels: the class table's, summed over the planes, and every pixel of every plane counted
			long sum = 0;
			for (String label : List.of("background", "cat", "sky")) sum += Long.parseLong(ok.get("pixels " + label));
			ImagePlus labels = IJ.openImage(out.resolve(image).resolve("labels.tif").toString());
			assertEquals((long) labels.getWidth() * labels.getHeight() * labels.getStackSize(), sum);
		}
		assertEquals(2, IJ.openImage(out.resolve("stack/labels.tif").toString()).getStackSize(),
			"every plane of a stack, as from the command line");
		assertEquals(1, ExecutorModels.stableDiffusionModels(), "one model in this JVM, loaded once for every task");

		// the command line on each good image writes the same files, byte for byte (but the timings in result.json)
		for (String image : List.of("picture.png", "stack.tif")) {
			Path cliOut = tmp.resolve("cli-" + image);
			Result c = cli("ovdiff", "--bank", bank.toString(), "--image", images.resolve(image).toString(), "--class",
				"cat", "--class", "sky", "--out", cliOut.toString());
			assertEquals(0, c.code(), c.err());
			Path spark = out.resolve(ImageJob.name(Path.of(image)));
			for (String file : List.of("labels.tif", "classes.csv", "scores.tif", "explain.json"))
				assertArrayEquals(Files.readAllBytes(cliOut.resolve(file)), Files.readAllBytes(spark.resolve(file)),
					image + ": " + file);
		}

		// a rerun skips the finished images and tries the damaged one again; once it is repaired, it is done
		String manifest = Files.readString(out.resolve("picture").resolve(OutputFolder.MANIFEST));
		Result rerun = spark("ovdiff", args);
		assertEquals(DiffSegSpark.EXIT_FAILURE, rerun.code(), rerun.err());
		List<Map<String, String>> again = results(out);
		assertEquals("skipped", row(again, "picture.png").get("status"));
		assertEquals("0", row(again, "picture.png").get("attempts"));
		assertEquals(row(rows, "picture.png").get("pixels cat"), row(again, "picture.png").get("pixels cat"),
			"a skipped image's pixels are read from its files");
		assertEquals("failed", row(again, "broken.png").get("status"));
		assertEquals(manifest, Files.readString(out.resolve("picture").resolve(OutputFolder.MANIFEST)),
			"the finished result was not written again");
		Files.copy(images.resolve("picture.png"), images.resolve("broken.png"), java.nio.file.StandardCopyOption
			.REPLACE_EXISTING);
		Result repaired = spark("ovdiff", args);
		assertEquals(0, repaired.code(), repaired.err());
		List<Map<String, String>> last = results(out);
		assertEquals("done", row(last, "broken.png").get("status"));
		assertEquals("skipped", row(last, "stack.tif").get("status"));
		assertArrayEquals(Files.readAllBytes(out.resolve("picture/labels.tif")),
			Files.readAllBytes(out.resolve("broken/labels.tif")), "the same picture, the same labels");
		Files.writeString(images.resolve("broken.png"), "<html>not found</html>");
	}

	@Test
	void planesAndChannelsAreChosenAsOnTheCommandLine() throws Exception {
		Path folder = Files.createDirectories(tmp.resolve("multi"));
		ImageStack stack = new ImageStack(30, 20);
		for (int z = 0; z < 2; z++) for (int c = 0; c < 3; c++) {
			ByteProcessor bp = new ByteProcessor(30, 20);
			for (int i = 0; i < 30 * 20; i++) bp.set(i, (i * (c + 2) + 40 * z) & 255);
			stack.addSlice("c" + c + "z" + z, bp);
		}
		ImagePlus hyper = new ImagePlus("multi", stack);
		hyper.setDimensions(3, 2, 1);
		hyper.setOpenAsHyperStack(true);
		assertTrue(new FileSaver(hyper).saveAsTiffStack(folder.resolve("multi.tif").toString()));
		String[] choice = { "--slice", "2", "--channel", "3", "--class", "cat", "--class", "sky", "--bank",
			bank.toString() };
		Path out = tmp.resolve("multi-out"), cliOut = tmp.resolve("multi-cli");
		Result r = spark("ovdiff", concat(choice, "--images", folder.toString(), "--out", out.toString()));
		assertEquals(0, r.code(), r.out() + r.err());
		Result c = cli("ovdiff", concat(choice, "--image", folder.resolve("multi.tif").toString(), "--out",
			cliOut.toString()));
		assertEquals(0, c.code(), c.err());
		ImagePlus labels = IJ.openImage(out.resolve("multi/labels.tif").toString());
		assertEquals(1, labels.getStackSize(), "the slice chosen, not every plane");
		for (String file : List.of("labels.tif", "classes.csv", "scores.tif", "explain.json"))
			assertArrayEquals(Files.readAllBytes(cliOut.resolve(file)), Files.readAllBytes(out.resolve("multi")
				.resolve(file)), file);
		Result bad = spark("ovdiff", "--slice", "5", "--class", "cat", "--bank", bank.toString(), "--images",
			folder.toString(), "--out", out.toString(), "--redo");
		assertEquals(DiffSegSpark.EXIT_FAILURE, bad.code());
		String error = row(results(out), "multi.tif").get("error");
		assertTrue(error.contains("no slice 5") && error.contains("(--slice)"), error);
	}

	@Test
	void peekabooOverImagesAndPromptSets() throws Exception {
		Path out = tmp.resolve("peekaboo");
		String[] settings = { "--iterations", "2", "--size", "32", "--timelapse-every", "1" };
		Result r = spark("peekaboo", concat(settings, "--images", images.toString(), "--prompt-set", "a cat;a dog",
			"--prompt-set", "sky", "--out", out.toString()));
		assertEquals(DiffSegSpark.EXIT_FAILURE, r.code(), r.out() + r.err());
		List<Map<String, String>> rows = results(out);
		assertEquals(6, rows.size(), "3 images x 2 prompt sets");
		assertEquals(2, rows.stream().filter(x -> x.get("status").equals("failed")).count());
		assertTrue(rows.stream().filter(x -> x.get("status").equals("failed")).allMatch(x -> x.get("image").equals(
			"broken.png")), rows.toString());
		assertEquals(List.of("set-1", "set-2"), names(out.resolve("picture")));
		assertEquals(List.of(".diffseg-manifest.json", "alpha-1.tif", "alpha-2.tif", "mask-1.tif", "mask-2.tif",
			"result.json", "rois.zip", "timelapse.tif"), names(out.resolve("picture/set-1")));
		for (Map<String, String> row : rows) {
			if (row.get("status").equals("failed")) continue;
			boolean first = row.get("folder").endsWith("set-1");
			assertEquals("", first ? row.get("area sky") : row.get("area a cat"),
				"a prompt outside the set has no area");
			ImagePlus mask = IJ.openImage(out.resolve(row.get("folder")).resolve("mask-1.tif").toString());
			long on = 0;
			for (int k = 1; k <= mask.getStackSize(); k++)
				for (byte v : (byte[]) mask.getStack().getPixels(k)) if (v != 0) on++;
			assertEquals(String.valueOf(on), row.get(first ? "area a cat" : "area sky"), row.toString());
		}
		// the command line, same image, prompts and settings: the same alpha maps and masks, byte for byte
		Path cliOut = tmp.resolve("cli-peekaboo");
		Result c = cli("peekaboo", concat(settings, "--image", images.resolve("stack.tif").toString(), "--prompt",
			"a cat", "--prompt", "a dog", "--out", cliOut.toString()));
		assertEquals(0, c.code(), c.err());
		for (String file : List.of("alpha-1.tif", "alpha-2.tif", "mask-1.tif", "mask-2.tif", "timelapse.tif"))
			assertArrayEquals(Files.readAllBytes(cliOut.resolve(file)), Files.readAllBytes(out.resolve("stack/set-1")
				.resolve(file)), file);
	}

	@Test
	void badInvocationsFailAtOnceWithOneLine() throws Exception {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegSpark.run(new String[] { "ovdiff", "--model", MODEL, "--bank", bank.toString(), "--images",
			images.toString(), "--out", tmp.resolve("x").toString() }, new PrintWriter(out), new PrintWriter(err));
		Result noMaster = new Result(code, out.toString(), err.toString());
		assertEquals(DiffSegSpark.EXIT_FAILURE, noMaster.code());
		assertTrue(noMaster.err().contains("spark-submit") && noMaster.err().contains("--master"), noMaster.err());
		Path twins = Files.createDirectories(tmp.resolve("twins"));
		Files.copy(images.resolve("picture.png"), twins.resolve("a.png"));
		Files.copy(images.resolve("stack.tif"), twins.resolve("a.tif"));
		Result clash = spark("ovdiff", "--bank", bank.toString(), "--images", twins.toString(), "--out",
			tmp.resolve("y").toString());
		assertEquals(DiffSegSpark.EXIT_FAILURE, clash.code());
		assertTrue(clash.err().contains("rename one of them"), clash.err());
		Path empty = Files.createDirectories(tmp.resolve("empty"));
		Result none = spark("peekaboo", "--prompt", "a cat", "--images", empty.toString(), "--out",
			tmp.resolve("z").toString());
		assertEquals(DiffSegSpark.EXIT_FAILURE, none.code());
		assertTrue(none.err().contains("holds no image"), none.err());
		assertEquals(1, none.err().lines().count(), none.err());
	}
}
