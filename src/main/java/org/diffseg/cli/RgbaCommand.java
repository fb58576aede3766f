package org.diffseg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import javax.imageio.ImageIO;

import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffseg rgba}: generate an image with transparency from a prompt (Peekaboo §5). */
@Command(name = "rgba", mixinStandardHelpOptions = true,
	description = "Generate an RGBA image (with transparency) from a text prompt with Peekaboo.")
public final class RgbaCommand implements Callable<Integer> {

	@Option(names = "--model", description = "Stable Diffusion folder (default: the shipped tiny model).")
	Path model;

	@Option(names = "--prompt", required = true, description = "What to generate.")
	String prompt;

	@Option(names = "--iterations", defaultValue = "300", description = "Optimisation steps (default 300).")
	int iterations;

	@Option(names = "--size", defaultValue = "256", description = "Image size in pixels (default 256).")
	int size;

	@Option(names = "--composite-size", defaultValue = "0",
		description = "Side of the composites given to the VAE (default 0: the model's, 512 for SD 1.x).")
	int compositeSize;

	@Option(names = "--timelapse-every", defaultValue = "10",
		description = "Keep the image every k iterations (0: none).")
	int timelapseEvery;

	@Option(names = "--seed", defaultValue = "0", description = "Random seed (default 0).")
	long seed;

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Mixin
	DeviceOptions device;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		PeekabooSettings s;
		try {
			s = PeekabooSettings.defaults().withRepresentation("fourier").withIterations(iterations).withSize(size)
				.withCompositeSize(compositeSize).withTimelapseEvery(timelapseEvery).withSeed(seed);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
		var log = spec.commandLine().getErr();
		Path modelDir = model != null ? model : DefaultModel.folder();
		long start = System.nanoTime();
		try (StableDiffusion sd = StableDiffusion.load(modelDir, device.device(), device.dtype());
			OutputFolder folder = new OutputFolder(out))
		{
			long loaded = System.nanoTime();
			Peekaboo peekaboo = new Peekaboo(sd);
			Peekaboo.Rgba r;
			try {
				r = peekaboo.generateRgba(prompt, s, (i, n, loss, mean) -> {
					if (i == n || i % Math.max(1, n / 10) == 0) log.printf("iteration %d/%d  loss %.4g%n", i, n, loss);
					return true;
				});
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			long done = System.nanoTime();
			r.warnings().forEach(warning -> log.println("warning: " + warning));
			int n = r.size() * r.size();
			float[] rgba = new float[4 * n];
			System.arraycopy(r.rgb(), 0, rgba, 0, 3 * n);
			System.arraycopy(r.alpha(), 0, rgba, 3 * n, n);
			ImageFiles.save(folder.file("rgba.tif"), channels(prompt, List.of(rgba), r.size()));
			writePng(folder.file("rgba.png"), rgba, r.size());
			if (!r.timelapse().isEmpty())
				ImageFiles.save(folder.file("timelapse.tif"), channels(prompt + " timelapse", r.timelapse(), r.size()));
			JsonObject json = new JsonObject();
			json.addProperty("prompt", prompt);
			json.addProperty("model", modelDir.toString());
			json.addProperty("model_identity", sd.identity());
			json.addProperty("device", sd.device.toString());
			json.add("settings", new GsonBuilder().create().toJsonTree(s));
			json.addProperty("composite_size", peekaboo.compositeSize(s));
			json.add("timings", PeekabooCommand.timings(loaded - start, done - loaded, r.timings()));
			json.add("loss_per_iteration", PeekabooCommand.losses(r.losses()));
			JsonArray frames = new JsonArray();
			for (int i : r.timelapseIterations()) frames.add(i);
			json.add("timelapse_iterations", frames);
			JsonArray warnings = new JsonArray();
			r.warnings().forEach(warnings::add);
			json.add("warnings", warnings);
			JsonArray files = new JsonArray();
			files.add("rgba.tif");
			files.add("rgba.png");
			if (!r.timelapse().isEmpty()) files.add("timelapse.tif");
			json.add("files", files);
			Files.writeString(folder.file("result.json"), new GsonBuilder().setPrettyPrinting()
				.serializeSpecialFloatingPointValues().create().toJson(json));
			folder.commit();
			spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
		}
		return DiffSegCli.EXIT_OK;
	}

	/** Frames of [r, g, b, a] planes as a 32-bit hyperstack: 4 channels (red, green, blue, alpha) x frames. */
	static ImagePlus channels(String title, List<float[]> frames, int size) {
		int n = size * size;
		String[] names = { "red", "green", "blue", "alpha" };
		ImageStack stack = new ImageStack(size, size);
		for (float[] frame : frames)
			for (int c = 0; c < 4; c++) {
				float[] plane = new float[n];
				System.arraycopy(frame, c * n, plane, 0, n);
				stack.addSlice(names[c], new FloatProcessor(size, size, plane));
			}
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(4, 1, frames.size());
		imp.setOpenAsHyperStack(true);
		CompositeImage composite = new CompositeImage(imp, CompositeImage.COMPOSITE);
		for (int c = 1; c <= 4; c++) {
			composite.setPosition(c, 1, 1);
			composite.setDisplayRange(0, 1);
		}
		composite.setPosition(1, 1, 1);
		return composite;
	}

	/** 8-bit RGBA PNG: colours and alpha in [0, 1] scaled to 0..255. */
	static void writePng(Path file, float[] rgba, int size) throws IOException {
		int n = size * size;
		BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
		for (int i = 0; i < n; i++) {
			int r = byteOf(rgba[i]), g = byteOf(rgba[n + i]), b = byteOf(rgba[2 * n + i]), a = byteOf(rgba[3 * n + i]);
			image.setRGB(i % size, i / size, a << 24 | r << 16 | g << 8 | b);
		}
		if (!ImageIO.write(image, "png", file.toFile())) throw new UserError("could not write " + file + ": no PNG " +
			"writer in this Java installation.");
	}

	private static int byteOf(float v) {
		return Math.round(Math.max(0, Math.min(1, v)) * 255);
	}
}
