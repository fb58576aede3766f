package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageProcessor;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import javax.imageio.ImageIO;

import org.diffseg.cli.DiffSegCli;
import org.diffseg.cli.RgbaCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code diffseg peekaboo} and {@code diffseg rgba} write every documented file, and nothing when they fail. */
class PeekabooCommandLineTest {
	private static final String IMAGE = "models/samples/chelsea.png";

	@TempDir
	Path tmp;

	private record Run(int code, String out, String err) {}

	private static Run peekaboo(String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		String[] all = Stream.concat(Stream.of("peekaboo", "--model", "models/tiny-sd-a"), Stream.of(args))
			.toArray(String[]::new);
		int code = DiffSegCli.run(all, new PrintWriter(out), new PrintWriter(err));
		return new Run(code, out.toString(), err.toString());
	}

	private static JsonObject json(Path file) throws Exception {
		return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
	}

	/** The files in a folder but DiffSeg's record of which of them it wrote; none when there is no folder. */
	private static List<String> names(Path folder) throws Exception {
		if (!Files.exists(folder)) return List.of();
		try (Stream<Path> files = Files.list(folder)) {
			return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".diffseg-manifest.json")).sorted()
				.toList();
		}
	}

	@Test
	void segmentationWritesAlphaMaskRoisTimelapseAndResult() throws Exception {
		Path out = tmp.resolve("out");
		Run r = peekaboo("--image", IMAGE, "--prompt", "a cat", "--prompt", "a dog", "--iterations", "2", "--size", "32",
			"--timelapse-every", "1", "--out", out.toString());
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		assertEquals(List.of("alpha-1.tif", "alpha-2.tif", "mask-1.tif", "mask-2.tif", "result.json", "rois.zip",
			"timelapse.tif"), names(out));
		ImagePlus source = IJ.openImage(IMAGE);
		for (int p = 1; p <= 2; p++) {
			ImagePlus alpha = IJ.openImage(out.resolve("alpha-" + p + ".tif").toString());
			assertEquals(32, alpha.getBitDepth());
			assertEquals(source.getWidth(), alpha.getWidth());
			assertEquals(source.getHeight(), alpha.getHeight());
			ImagePlus mask = IJ.openImage(out.resolve("mask-" + p + ".tif").toString());
			assertEquals(8, mask.getBitDepth());
			assertEquals(source.getWidth(), mask.getWidth());
			ImageProcessor ip = mask.getProcessor();
			for (int i = 0; i < ip.getPixelCount(); i++) {
				int v = ip.get(i);
				assertTrue(v == 0 || v == 255, "mask value " + v);
			}
		}
		try (ZipFile rois = new ZipFile(out.resolve("rois.zip").toFile())) {
			assertTrue(rois.stream().allMatch(e -> e.getName().endsWith(".roi")));
		}
		ImagePlus timelapse = IJ.openImage(out.resolve("timelapse.tif").toString());
		assertEquals(32, timelapse.getBitDepth());
		assertEquals(3 * 2, timelapse.getStackSize(), "after 0, 1, 2 updates, two prompts");
		JsonObject json = json(out.resolve("result.json"));
		assertEquals(List.of("a cat", "a dog"), json.getAsJsonArray("prompts").asList().stream()
			.map(e -> e.getAsString()).toList());
		assertEquals("fourier bilateral", json.getAsJsonObject("settings").get("representation").getAsString());
		assertEquals(32, json.getAsJsonObject("settings").get("size").getAsInt());
		assertEquals(64, json.get("composite_size").getAsInt());
		assertEquals(2, json.getAsJsonArray("loss_per_iteration").size());
		JsonObject split = json.getAsJsonObject("timings").getAsJsonObject("split_ms_per_iteration");
		for (String part : Peekaboo.Timings.PARTS) assertTrue(split.get(part).getAsDouble() >= 0, part);
		assertEquals(0, json.getAsJsonArray("warnings").size());
		// every file but result.json itself
		assertEquals(names(out).stream().filter(n -> !n.equals("result.json")).toList(), json.getAsJsonArray("files")
			.asList().stream().map(e -> e.getAsString()).sorted().toList());
		// a rerun with fewer prompts replaces the result set whole: no alpha-2.tif of the first run stays
		r = peekaboo("--image", IMAGE, "--prompt", "a dog", "--iterations", "1", "--size", "16", "--out",
			out.toString());
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		List<String> rerun = names(out);
		assertTrue(rerun.contains("alpha-1.tif") && !rerun.contains("alpha-2.tif") && !rerun.contains("mask-2.tif"),
			rerun.toString());
		assertEquals(List.of("a dog"), json(out.resolve("result.json")).getAsJsonArray("prompts").asList().stream()
			.map(e -> e.getAsString()).toList());
	}

	@Test
	void aFailedRunLeavesNoFiles() throws Exception {
		Path out = tmp.resolve("failed");
		Run r = peekaboo("--image", IMAGE, "--prompt", "a cat", "--representation", "guided bilateral", "--iterations",
			"1", "--size", "16", "--out", out.toString());
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code());
		assertTrue(r.err().startsWith("diffseg: ") && r.err().contains("guide"), r.err());
		assertEquals(1, r.err().lines().count(), r.err());
		assertEquals(List.of(), names(out));
	}

	@Test
	void rgbaWritesFourChannelsTransparencyAndTimelapse() throws Exception {
		Path out = tmp.resolve("rgba");
		StringWriter err = new StringWriter();
		CommandLine cl = new CommandLine(new RgbaCommand());
		cl.setErr(new PrintWriter(err));
		cl.setOut(new PrintWriter(new StringWriter()));
		int code = cl.execute("--model", "models/tiny-sd-a", "--prompt", "a red apple", "--iterations", "3", "--size", "24",
			"--timelapse-every", "2", "--out", out.toString());
		assertEquals(0, code, err.toString());
		assertEquals(List.of("result.json", "rgba.png", "rgba.tif", "timelapse.tif"), names(out));
		ImagePlus rgba = IJ.openImage(out.resolve("rgba.tif").toString());
		assertEquals(4, rgba.getNChannels());
		assertEquals(32, rgba.getBitDepth());
		assertEquals(24, rgba.getWidth());
		BufferedImage png = ImageIO.read(out.resolve("rgba.png").toFile());
		assertTrue(png.getColorModel().hasAlpha());
		assertEquals(24, png.getWidth());
		ImagePlus timelapse = IJ.openImage(out.resolve("timelapse.tif").toString());
		assertEquals(4, timelapse.getNChannels());
		assertEquals(3, timelapse.getNFrames(), "after 0, 2 and 3 updates");
		JsonObject json = json(out.resolve("result.json"));
		assertEquals("a red apple", json.get("prompt").getAsString());
		assertEquals(3, json.getAsJsonArray("loss_per_iteration").size());
		assertEquals(3, json.getAsJsonArray("timelapse_iterations").size());
	}
}
