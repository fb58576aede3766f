package org.diffseg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.ImagePlus;
import ij.gui.Roi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.diffseg.img.ImageInputs;
import org.diffseg.img.MaskRois;
import org.diffseg.img.RgbPlanes;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffseg peekaboo}: segment an image for one or more prompts. */
@Command(name = "peekaboo", mixinStandardHelpOptions = true,
	description = "Segment an image from text prompts with Peekaboo (one alpha map, mask and ROI per prompt).")
public final class PeekabooCommand implements Callable<Integer> {

	@Option(names = "--model", description = "Stable Diffusion folder (default: the shipped tiny model).")
	Path model;

	@Option(names = "--image", required = true, description = "Image file (TIFF, PNG, JPEG; grey, RGB, 8/16/32-bit).")
	Path image;

	@Option(names = "--prompt", required = true, description = "What to segment; repeat for several prompts.")
	List<String> prompts;

	@Option(names = "--representation", defaultValue = "fourier bilateral",
		description = "raster | raster bilateral | fourier | fourier bilateral (default) | guided bilateral")
	String representation;

	@Option(names = "--guide", description = "Guide image for 'guided bilateral' (e.g. a depth map), same size.")
	Path guide;

	@Option(names = "--iterations", defaultValue = "300", description = "Optimisation steps (default 300).")
	int iterations;

	@Option(names = "--size", defaultValue = "256", description = "Alpha resolution (default 256).")
	int size;

	@Option(names = "--composite-size", defaultValue = "0",
		description = "Side of the composites given to the VAE (default 0: the model's, 512 for SD 1.x).")
	int compositeSize;

	@Option(names = "--square", defaultValue = "crop", description = "crop (centre, default) or scale.")
	String square;

	@Option(names = "--threshold", defaultValue = "0.5", description = "Mask threshold on alpha (default 0.5).")
	float threshold;

	@Option(names = "--timelapse-every", defaultValue = "10", description = "Keep the alpha every k iterations (0: none).")
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
			s = PeekabooSettings.defaults().withRepresentation(representation).withIterations(iterations).withSize(size)
				.withSquare(square).withThreshold(threshold).withTimelapseEvery(timelapseEvery).withSeed(seed).withCompositeSize(compositeSize);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
		ImagePlus imp = ImageFiles.open(image);
		RgbPlanes input;
		float[][] guidePlanes = null;
		try {
			input = ImageInputs.rgb(imp, null, 0, 0);
			if (guide != null) {
				ImagePlus g = ImageFiles.open(guide);
				if (g.getWidth() != imp.getWidth() || g.getHeight() != imp.getHeight()) throw new UserError("the guide " +
					"image is " + g.getWidth() + "x" + g.getHeight() + " but the image is " + imp.getWidth() + "x" +
					imp.getHeight() + ": give a guide of the same size.");
				guidePlanes = ImageInputs.planes(g, 0, 0);
			}
		}
		catch (IllegalArgumentException e) {
			throw new UserError(image + ": " + e.getMessage());
		}
		var log = spec.commandLine().getErr();
		Path modelDir = model != null ? model : DefaultModel.folder();
		long start = System.nanoTime();
		try (StableDiffusion sd = StableDiffusion.load(modelDir, device.device(), device.dtype());
			OutputFolder folder = new OutputFolder(out))
		{
			long loaded = System.nanoTime();
			Peekaboo peekaboo = new Peekaboo(sd);
			Peekaboo.Segmentation r;
			try {
				r = peekaboo.segment(input, guidePlanes, prompts, s, (i, n, loss, mean) -> {
					if (i == n || i % Math.max(1, n / 10) == 0) log.printf("iteration %d/%d  loss %.4g%n", i, n, loss);
					return true;
				});
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			long done = System.nanoTime();
			r.warnings().forEach(warning -> log.println("warning: " + warning));
			int w = r.width(), h = r.height();
			List<Roi> rois = new ArrayList<>();
			for (int p = 0; p < prompts.size(); p++) {
				ImageFiles.saveFloat(folder.file("alpha-" + (p + 1) + ".tif"), r.alpha()[p], w, h, prompts.get(p));
				ImageFiles.saveMask(folder.file("mask-" + (p + 1) + ".tif"), r.mask()[p], w, h, prompts.get(p));
				Roi roi = MaskRois.fromMask(r.mask()[p], w, h, prompts.get(p));
				if (roi != null) rois.add(roi);
			}
			MaskRois.writeZip(folder.file("rois.zip"), rois);
			if (!r.timelapse().isEmpty()) {
				List<float[]> planes = new ArrayList<>();
				List<String> labels = new ArrayList<>();
				for (int f = 0; f < r.timelapse().size(); f++)
					for (int p = 0; p < prompts.size(); p++) {
						planes.add(r.timelapse().get(f)[p]);
						labels.add(prompts.get(p) + " @ iteration " + r.timelapseIterations()[f]);
					}
				ImageFiles.saveFloatStack(folder.file("timelapse.tif"), planes, labels, w, h, "timelapse");
			}
			JsonObject json = new JsonObject();
			json.addProperty("image", image.toString());
			json.addProperty("model", modelDir.toString());
			json.addProperty("model_identity", sd.identity());
			json.addProperty("device", sd.device.toString());
			JsonArray ps = new JsonArray();
			prompts.forEach(ps::add);
			json.add("prompts", ps);
			json.add("settings", new GsonBuilder().create().toJsonTree(s));
			json.addProperty("composite_size", peekaboo.compositeSize(s));
			JsonObject region = new JsonObject();
			region.addProperty("x", r.region().x());
			region.addProperty("y", r.region().y());
			region.addProperty("width", r.region().width());
			region.addProperty("height", r.region().height());
			region.addProperty("method", r.region().method());
			json.add("analysed_region", region);
			json.add("timings", timings(loaded - start, done - loaded, r.timings()));
			json.add("loss_per_iteration", losses(r.losses()));
			JsonArray warnings = new JsonArray();
			r.warnings().forEach(warnings::add);
			json.add("warnings", warnings);
			JsonArray files = new JsonArray();
			for (int p = 0; p < prompts.size(); p++) {
				files.add("alpha-" + (p + 1) + ".tif");
				files.add("mask-" + (p + 1) + ".tif");
			}
			files.add("rois.zip");
			if (!r.timelapse().isEmpty()) files.add("timelapse.tif");
			json.add("files", files);
			Files.writeString(folder.file("result.json"), new GsonBuilder().setPrettyPrinting()
				.serializeSpecialFloatingPointValues().create().toJson(json));
			folder.commit();
			spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
		}
		return DiffSegCli.EXIT_OK;
	}

	/** Load and run time, and where the iterations' time went (parts as in {@link Peekaboo.Timings#PARTS}). */
	static JsonObject timings(long loadNanos, long runNanos, Peekaboo.Timings t) {
		JsonObject json = new JsonObject();
		json.addProperty("load_s", loadNanos / 1e9);
		json.addProperty("run_s", runNanos / 1e9);
		json.addProperty("ms_per_iteration", runNanos / 1e6 / Math.max(1, t.iterations()));
		JsonObject split = new JsonObject();
		for (int part = 0; part < Peekaboo.Timings.PARTS.size(); part++)
			split.addProperty(Peekaboo.Timings.PARTS.get(part), t.totalNanos(part) / 1e6 / Math.max(1, t.iterations()));
		json.add("split_ms_per_iteration", split);
		return json;
	}

	static JsonArray losses(double[] values) {
		JsonArray losses = new JsonArray();
		for (double l : values) losses.add(l);
		return losses;
	}
}
