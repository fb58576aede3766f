package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import ij.IJ;
import ij.ImagePlus;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.diffseg.cli.DiffSegCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case: the same Peekaboo command with the same seed gives the same bytes, run after run in one JVM (with
 * garbage collections and freed native memory full of NaN in between) and in separate JVMs. Before the fix some runs
 * wrote an all-NaN alpha (libtorch's oneDNN convolution backward returning unwritten memory, see Conv2dBackwardTest).
 */
class PeekabooDeterminismTest {
	private static final List<String> FILES = List.of("alpha-1.tif", "alpha-2.tif", "mask-1.tif", "mask-2.tif",
		"timelapse.tif");

	@TempDir
	Path tmp;

	/** A 100x75 RGB scene: a warm disc on a graded background. */
	static Path scene(Path dir) throws Exception {
		BufferedImage im = new BufferedImage(100, 75, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < 75; y++)
			for (int x = 0; x < 100; x++) {
				boolean disc = (x - 40) * (x - 40) + (y - 35) * (y - 35) < 400;
				int r = disc ? 200 : 30 + x, g = disc ? 80 : 60 + y, b = disc ? 40 : 150;
				im.setRGB(x, y, (r << 16) | (g << 8) | b);
			}
		Path file = dir.resolve("scene.png");
		ImageIO.write(im, "png", file.toFile());
		return file;
	}

	private static List<String> args(Path image, Path out) {
		return List.of("peekaboo", "--model", "models/tiny-sd-a", "--image", image.toString(), "--prompt", "a cat",
			"--prompt", "a dog", "--iterations", "2", "--size", "32", "--seed", "4", "--timelapse-every", "1", "--out",
			out.toString());
	}

	private static Map<String, byte[]> files(Path out) throws Exception {
		Map<String, byte[]> bytes = new LinkedHashMap<>();
		for (String f : FILES) bytes.put(f, Files.readAllBytes(out.resolve(f)));
		return bytes;
	}

	private static void assertSameBytes(Map<String, byte[]> expected, Path out, String run) throws Exception {
		for (String f : FILES) assertArrayEquals(expected.get(f), Files.readAllBytes(out.resolve(f)), run + ": " + f);
	}

	/** Collects garbage (freeing direct buffers) and leaves freed native memory full of NaN. */
	private static void churn() {
		System.gc();
		try (NDManager m = NDManager.newBaseManager()) {
			for (int k = 0; k < 100; k++) {
				try (NDArray nan = m.full(new Shape(256L << (k % 12)), Float.NaN); NDArray sum = nan.add(1f)) {
					sum.getShape();
				}
			}
		}
		System.gc();
	}

	/** The command line after a {@link #churn()}: a fresh JVM whose first convolutions reuse memory full of NaN. */
	public static final class ChurnedCli {
		public static void main(String[] args) {
			churn();
			DiffSegCli.main(args);
		}
	}

	@Test
	void sameSeedGivesTheSameBytesInOneJvmAndAcrossJvms() throws Exception {
		Path image = scene(tmp);
		// two separate JVMs, started first so that they run while this one works
		List<Process> jvms = new ArrayList<>();
		List<Path> jvmOuts = new ArrayList<>();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		for (int k = 0; k < 2; k++) {
			Path out = tmp.resolve("jvm" + k);
			List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-Djava.awt.headless=true", "-cp",
				System.getProperty("java.class.path"), (k == 0 ? DiffSegCli.class : ChurnedCli.class).getName()));
			command.addAll(args(image, out));
			jvms.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("jvm" + k + ".log")
				.toFile()).start());
			jvmOuts.add(out);
		}
		Map<String, byte[]> first = null;
		for (int run = 0; run < 3; run++) {
			churn();
			Path out = tmp.resolve("run" + run);
			StringWriter err = new StringWriter();
			int code = DiffSegCli.run(args(image, out).toArray(String[]::new), new PrintWriter(new StringWriter()),
				new PrintWriter(err));
			assertEquals(DiffSegCli.EXIT_OK, code, err.toString());
			if (first == null) {
				first = files(out);
				ImagePlus alpha = IJ.openImage(out.resolve("alpha-1.tif").toString());
				float[] pixels = (float[]) alpha.getProcessor().getPixels();
				for (float v : pixels) assertTrue(Float.isFinite(v), "alpha-1 holds " + v);
			}
			else assertSameBytes(first, out, "run " + (run + 1) + " in this JVM");
		}
		for (int k = 0; k < jvms.size(); k++) {
			Process p = jvms.get(k);
			assertTrue(p.waitFor(10, TimeUnit.MINUTES), "JVM " + (k + 1) + " did not finish");
			String log;
			try (Stream<String> lines = Files.lines(tmp.resolve("jvm" + k + ".log"))) {
				log = String.join("\n", lines.toList());
			}
			assertEquals(0, p.exitValue(), log);
			assertSameBytes(first, jvmOuts.get(k), "separate JVM " + (k + 1));
		}
	}
}
