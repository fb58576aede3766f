package org.diffseg.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.ImagePlus;
import ij.ImageStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.io.OutputFolder;
import org.diffseg.io.ImageFiles;
import org.diffseg.img.MaskRois;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.task.LoadedModels;
import org.diffseg.task.PeekabooImages;
import org.diffseg.task.PeekabooSegmentResult;
import org.diffseg.task.PeekabooSegmentSettings;
import org.diffseg.task.PeekabooSegmentTask;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg peekaboo}: segment an image for one or more prompts, every plane of a stack (or the plane chosen),
 * through {@link PeekabooSegmentTask} as Fiji's Peekaboo Segment does.
 */
@Command(name = "peekaboo", mixinStandardHelpOptions = true,
	description = "Segment an image from text prompts with Peekaboo (one alpha map, mask and ROI per prompt); every " +
		"plane of a stack unless --slice/--frame choose one.")
public final class PeekabooCommand extends ModelCommand {

	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();

	@Mixin
	ImageOptions image;

	@Option(names = "--prompt", required = true, description = "What to segment; repeat for several prompts.")
	List<String> prompts;

	@Option(names = "--representation", description = "raster | raster bilateral | fourier | fourier bilateral | " +
		"guided bilateral (default ${DEFAULT-VALUE})")
	String representation = DEFAULTS.representation();

	@Option(names = "--guide", description = "Guide image for 'guided bilateral' (e.g. a depth map), same size.")
	Path guide;

	@Option(names = "--square", description = "crop (centre) or scale (default ${DEFAULT-VALUE}).")
	String square = DEFAULTS.square();

	@Option(names = "--threshold", description = "Mask threshold on alpha (default ${DEFAULT-VALUE}).")
	float threshold = DEFAULTS.threshold();

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Option(names = "--overwrite", description = "Replace files of the same names in --out that DiffSeg did not " +
		"write (by default the run stops with a message and leaves them).")
	boolean overwrite;

	@Mixin
	PeekabooOptions peekaboo;

	@Override
	public Integer call() throws Exception {
		PeekabooSettings s = peekaboo.builder().representation(representation).square(square).threshold(threshold)
			.build();
		var log = err();
		SourceImage source = image.open(log);
		Path modelDir = modelFolder();
		PeekabooSegmentSettings settings = new PeekabooSegmentSettings(modelDir, prompts, s, guide == null ? null :
			SourceImage.of(ImageFiles.open(guide)));
		try (LoadedModels models = models();
			OutputFolder folder = new OutputFolder(out, overwrite))
		{
			// refuse before the long work (commit checks every file again)
			List<String> names = new java.util.ArrayList<>(List.of("rois.zip", "result.json"));
			for (int p = 1; p <= prompts.size(); p++) names.addAll(List.of("alpha-" + p + ".tif", "mask-" + p + ".tif"));
			folder.expect(names);
			PeekabooSegmentResult r = new PeekabooSegmentTask(models).run(source, settings,
				PeekabooOptions.everyTenth(log), CancelToken.none());
			for (Peekaboo.Segmentation plane : r.planes()) plane.warnings().forEach(w -> log.println("warning: " + w));
			save(r, folder, modelDir, s);
			folder.commit();
			out().println("wrote " + out.toAbsolutePath() + (r.severalPlanes() ? " (" +
				r.planes().size() + " planes)" : ""));
		}
		return DiffSegCli.EXIT_OK;
	}

	private void save(PeekabooSegmentResult r, OutputFolder folder, Path modelDir, PeekabooSettings s)
		throws java.io.IOException
	{
		PeekabooImages images = r.images();
		ImagePlus alphas = images.alpha("alpha"), masks = images.masks("mask");
		int n = prompts.size();
		for (int p = 0; p < n; p++) {
			ImageFiles.save(folder.file("alpha-" + (p + 1) + ".tif"), channel(alphas, p, prompts.get(p)));
			ImageFiles.save(folder.file("mask-" + (p + 1) + ".tif"), channel(masks, p, prompts.get(p)));
		}
		MaskRois.writeZip(folder.file("rois.zip"), images.rois(r.image().image().toImagePlus()));
		ImagePlus timelapse = images.timelapse("timelapse");
		if (timelapse != null) ImageFiles.save(folder.file("timelapse.tif"), timelapse);
		JsonObject json = new JsonObject();
		json.addProperty("image", image.image.toString());
		json.addProperty("model", modelDir.toString());
		json.addProperty("model_identity", r.modelIdentity());
		json.addProperty("device", r.device());
		JsonArray ps = new JsonArray();
		prompts.forEach(ps::add);
		json.add("prompts", ps);
		json.add("settings", new GsonBuilder().create().toJsonTree(s));
		json.addProperty("composite_size", r.compositeSize());
		List<SourceImage.Plane> used = r.image().planes();
		JsonArray planes = new JsonArray();
		for (int k = 0; k < r.planes().size(); k++) {
			Peekaboo.Segmentation seg = r.planes().get(k);
			JsonObject plane = r.severalPlanes() ? new JsonObject() : json;
			if (r.severalPlanes()) {
				plane.addProperty("slice", used.get(k).slice() + 1);
				plane.addProperty("frame", used.get(k).frame() + 1);
				planes.add(plane);
			}
			JsonObject region = new JsonObject();
			region.addProperty("x", seg.region().x());
			region.addProperty("y", seg.region().y());
			region.addProperty("width", seg.region().width());
			region.addProperty("height", seg.region().height());
			region.addProperty("method", seg.region().method());
			plane.add("analysed_region", region);
			plane.add("timings", timings(k == 0 ? r.loadNanos() : 0, r.runNanos() / r.planes().size(), seg.timings()));
			plane.add("loss_per_iteration", losses(seg.losses()));
			JsonArray warnings = new JsonArray();
			seg.warnings().forEach(warnings::add);
			plane.add("warnings", warnings);
		}
		if (r.severalPlanes()) json.add("planes", planes);
		JsonArray files = new JsonArray();
		for (int p = 0; p < n; p++) {
			files.add("alpha-" + (p + 1) + ".tif");
			files.add("mask-" + (p + 1) + ".tif");
		}
		files.add("rois.zip");
		if (timelapse != null) files.add("timelapse.tif");
		json.add("files", files);
		Files.writeString(folder.file("result.json"), new GsonBuilder().setPrettyPrinting()
			.serializeSpecialFloatingPointValues().create().toJson(json));
	}

	/** One channel (prompt) of a result image, every plane of it, calibrated. */
	private static ImagePlus channel(ImagePlus imp, int c, String title) {
		ImageStack stack = new ImageStack(imp.getWidth(), imp.getHeight());
		for (int t = 1; t <= imp.getNFrames(); t++)
			for (int z = 1; z <= imp.getNSlices(); z++) {
				int index = imp.getStackIndex(c + 1, z, t);
				stack.addSlice(imp.getStack().getSliceLabel(index), imp.getStack().getProcessor(index));
			}
		ImagePlus one = new ImagePlus(title, stack);
		one.setDimensions(1, imp.getNSlices(), imp.getNFrames());
		one.setCalibration(imp.getCalibration().copy());
		if (stack.size() == 1) one.setProp("Slice_Label", title);
		return one;
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
