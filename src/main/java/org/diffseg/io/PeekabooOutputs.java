package org.diffseg.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.ImagePlus;
import ij.ImageStack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.img.MaskRois;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.task.PeekabooImages;
import org.diffseg.task.PeekabooSegmentResult;
import org.diffseg.task.SourceImage;

/**
 * The files of one Peekaboo segmentation of one image, written the same way by the command line and the cluster
 * jobs: an alpha map and a mask per prompt, the ROIs, the timelapse (when kept) and result.json.
 */
public final class PeekabooOutputs {
	private PeekabooOutputs() {}

	/** The files always written for {@code prompts} prompts (the timelapse only when kept). */
	public static List<String> names(int prompts) {
		List<String> names = new ArrayList<>(List.of("rois.zip", "result.json"));
		for (int p = 1; p <= prompts; p++) names.addAll(List.of("alpha-" + p + ".tif", "mask-" + p + ".tif"));
		return names;
	}

	/**
	 * Writes the outputs of one segmentation into {@code folder} (published by the caller's commit).
	 *
	 * @param imageFile the input file, as given
	 * @param modelDir the Stable Diffusion folder used
	 * @param s the Peekaboo settings used
	 */
	public static void write(PeekabooSegmentResult r, OutputFolder folder, Path imageFile, Path modelDir,
		PeekabooSettings s) throws IOException
	{
		List<String> prompts = r.prompts();
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
		json.addProperty("image", imageFile.toString());
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
	public static JsonObject timings(long loadNanos, long runNanos, Peekaboo.Timings t) {
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

	public static JsonArray losses(double[] values) {
		JsonArray losses = new JsonArray();
		for (double l : values) losses.add(l);
		return losses;
	}
}
