package org.diffseg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.ImagePlus;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.diffseg.io.ImageFiles;
import org.diffseg.io.PeekabooOutputs;
import org.diffseg.options.PeekabooOptions;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.task.RgbaGenerateResult;
import org.diffseg.task.RgbaGenerateSettings;
import org.diffseg.task.RgbaGenerateTask;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code diffseg rgba}: generate an image with transparency from a prompt (Peekaboo §5), through {@link RgbaGenerateTask}. */
@Command(name = "rgba", mixinStandardHelpOptions = true,
	description = "Generate an RGBA image (with transparency) from a text prompt with Peekaboo.")
public final class RgbaCommand extends PublishingCommand {

	@Option(names = "--prompt", required = true, description = "What to generate.")
	String prompt;

	@Mixin
	PeekabooOptions peekaboo;

	@Override
	public Integer call() throws Exception {
		var log = err();
		Path modelDir = modelFolder();
		PeekabooSettings s = peekaboo.builder(modelDir).representation("fourier").build();
		RgbaGenerateSettings settings = new RgbaGenerateSettings(modelDir, prompt, s);
		return publish(java.util.List.of("rgba.tif", "rgba.png", "result.json"), (models, folder) -> {
			RgbaGenerateResult result = new RgbaGenerateTask(models).run(settings, everyTenth(log),
				CancelToken.none());
			Peekaboo.Rgba r = result.rgba();
			r.warnings().forEach(warning -> log.println("warning: " + warning));
			ImageFiles.save(folder.file("rgba.tif"), result.channels(prompt));
			writePng(folder.file("rgba.png"), result.rgbaPlanes(), r.size());
			ImagePlus timelapse = result.timelapseChannels(prompt + " timelapse");
			if (timelapse != null) ImageFiles.save(folder.file("timelapse.tif"), timelapse);
			JsonObject json = new JsonObject();
			json.addProperty("prompt", prompt);
			json.addProperty("model", modelDir.toString());
			json.addProperty("model_identity", result.modelIdentity());
			json.addProperty("device", result.device());
			json.add("settings", new GsonBuilder().create().toJsonTree(s));
			json.addProperty("composite_size", result.compositeSize());
			json.add("timings", PeekabooOutputs.timings(result.loadNanos(), result.runNanos(), r.timings()));
			json.add("loss_per_iteration", PeekabooOutputs.losses(r.losses()));
			JsonArray frames = new JsonArray();
			for (int i : r.timelapseIterations()) frames.add(i);
			json.add("timelapse_iterations", frames);
			JsonArray warnings = new JsonArray();
			r.warnings().forEach(warnings::add);
			json.add("warnings", warnings);
			JsonArray files = new JsonArray();
			files.add("rgba.tif");
			files.add("rgba.png");
			if (timelapse != null) files.add("timelapse.tif");
			json.add("files", files);
			Files.writeString(folder.file("result.json"), new GsonBuilder().setPrettyPrinting()
				.serializeSpecialFloatingPointValues().create().toJson(json));
			return 1;
		});
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
