package org.diffseg.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.Json;

/**
 * transformers' CLIPImageProcessor / ViTImageProcessor as configured by a model's {@code preprocessor_config.json}:
 * convert to RGB, resize with Pillow, centre crop, rescale by 1/255, normalise, CHW. The two differ in what an int
 * {@code size} means (CLIP: the shortest edge, aspect ratio kept; ViT: an exact square) and in their defaults.
 */
public final class ImagePreprocessor {

	/** Which processor's semantics and defaults apply. */
	public enum Kind { CLIP, VIT }

	public final Kind kind;
	public final boolean convertRgb, doResize, doCenterCrop, doRescale, doNormalize;
	/** Resize target: {@code shortestEdge > 0}, or exactly {@code height} x {@code width}. */
	public final int shortestEdge, height, width;
	public final PillowResize.Filter filter;
	public final int cropHeight, cropWidth;
	public final double rescaleFactor;
	public final ImageNormalization normalization;

	private ImagePreprocessor(Kind kind, Json c) throws ConfigException {
		this.kind = kind;
		boolean clip = kind == Kind.CLIP;
		convertRgb = c.bool("do_convert_rgb", true);
		doResize = c.bool("do_resize", true);
		int[] size = size(c, "size", 224, clip);
		shortestEdge = size[0];
		height = size[1];
		width = size[2];
		filter = PillowResize.Filter.ofPilCode(c.integer("resample", clip ? 3 : 2, 0, 5));
		doCenterCrop = c.bool("do_center_crop", clip);
		int[] crop = size(c, "crop_size", 224, false);
		cropHeight = crop[1];
		cropWidth = crop[2];
		doRescale = c.bool("do_rescale", true);
		rescaleFactor = c.number("rescale_factor", 1 / 255.0, -1e6, 1e6);
		doNormalize = c.bool("do_normalize", true);
		// ViTImageProcessor defaults to IMAGENET_STANDARD (0.5, 0.5, 0.5), not the ImageNet statistics.
		float[] defMean = clip ? ImageNormalization.CLIP.mean() : new float[] { 0.5f, 0.5f, 0.5f };
		float[] defStd = clip ? ImageNormalization.CLIP.std() : new float[] { 0.5f, 0.5f, 0.5f };
		normalization = new ImageNormalization(floats(c, "image_mean", defMean), floats(c, "image_std", defStd));
	}

	/**
	 * Reads {@code preprocessor_config.json}; its {@code image_processor_type} / {@code feature_extractor_type}
	 * decides the kind, else {@code fallback}. A missing file means the processor's defaults.
	 */
	public static ImagePreprocessor read(Path file, Kind fallback) throws IOException {
		if (!Files.exists(file)) return new ImagePreprocessor(fallback, Json.of(file, new JsonObject()));
		Json c = Json.read(file);
		String type = c.string("image_processor_type", c.string("feature_extractor_type", ""));
		Kind kind = type.startsWith("CLIP") ? Kind.CLIP : type.startsWith("ViT") ? Kind.VIT : fallback;
		return new ImagePreprocessor(kind, c);
	}

	/** Every step: RGB uint8 image to normalised float32 pixel values [1, 3, h, w]. */
	public NDArray apply(NDManager m, Uint8Image image) {
		Uint8Image x = convertRgb ? image.toRgb() : image;
		if (doResize) x = resize(x);
		if (doCenterCrop) x = centerCrop(x);
		return pixelValues(m, x);
	}

	/** Step 1: Pillow resize to the configured size (shortest edge: the long edge is int(size * long / short)). */
	public Uint8Image resize(Uint8Image x) {
		int h = height, w = width;
		if (shortestEdge > 0) {
			int shortSide = Math.min(x.height(), x.width()), longSide = Math.max(x.height(), x.width());
			if (shortSide == shortestEdge) return x;
			int newLong = (int) ((double) shortestEdge * longSide / shortSide);
			h = x.width() <= x.height() ? newLong : shortestEdge;
			w = x.width() <= x.height() ? shortestEdge : newLong;
		}
		return PillowResize.resize(x, h, w, filter);
	}

	/**
	 * Step 2: centre crop with top = (h - crop_h) // 2, left = (w - crop_w) // 2 (floor division); outside the image
	 * (a crop larger than the image) is zero, as transformers pads.
	 */
	public Uint8Image centerCrop(Uint8Image x) {
		int top = Math.floorDiv(x.height() - cropHeight, 2), left = Math.floorDiv(x.width() - cropWidth, 2);
		int ch = x.channels();
		byte[] out = new byte[cropHeight * cropWidth * ch];
		for (int y = 0; y < cropHeight; y++) {
			int sy = y + top;
			if (sy < 0 || sy >= x.height()) continue;
			for (int xx = 0; xx < cropWidth; xx++) {
				int sx = xx + left;
				if (sx < 0 || sx >= x.width()) continue;
				System.arraycopy(x.data(), (sy * x.width() + sx) * ch, out, (y * cropWidth + xx) * ch, ch);
			}
		}
		return new Uint8Image(cropHeight, cropWidth, ch, out);
	}

	/** Step 3: float32(x * rescale_factor) (computed in double), then (x - mean) / std in float32, as [1, C, H, W]. */
	public NDArray pixelValues(NDManager m, Uint8Image x) {
		int plane = x.height() * x.width(), ch = x.channels();
		if (doNormalize && ch != normalization.mean().length) throw new IllegalArgumentException("the image has " + ch +
			" channels but the preprocessor normalises " + normalization.mean().length);
		float[] out = new float[plane * ch];
		for (int c = 0; c < ch; c++) {
			float mean = doNormalize ? normalization.mean()[c] : 0f, std = doNormalize ? normalization.std()[c] : 1f;
			for (int i = 0; i < plane; i++) {
				int u = x.data()[i * ch + c] & 0xff;
				float v = doRescale ? (float) (u * rescaleFactor) : u;
				out[c * plane + i] = doNormalize ? (v - mean) / std : v;
			}
		}
		return m.create(out, new Shape(1, ch, x.height(), x.width()));
	}

	/**
	 * An int size (CLIP: shortest edge if {@code intIsShortestEdge}; else square) or a {height, width} /
	 * {shortest_edge} object; every side from 1 to {@link ConfigLimits#MAX_SAMPLE_SIZE}.
	 */
	private static int[] size(Json c, String key, int def, boolean intIsShortestEdge) throws ConfigException {
		int max = ConfigLimits.MAX_SAMPLE_SIZE;
		if (!c.has(key)) return intIsShortestEdge ? new int[] { def, 0, 0 } : new int[] { 0, def, def };
		JsonElement e = c.raw().get(key);
		if (!e.isJsonObject()) {
			int s = c.integer(key, 1, max);
			return intIsShortestEdge ? new int[] { s, 0, 0 } : new int[] { 0, s, s };
		}
		Json o = c.object(key);
		if (o.has("shortest_edge")) return new int[] { o.integer("shortest_edge", 1, max), 0, 0 };
		if (o.has("height") && o.has("width"))
			return new int[] { 0, o.integer("height", 1, max), o.integer("width", 1, max) };
		throw c.invalid(key, "an integer, {\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
	}

	/** Per-channel statistics: a list of 1 to 64 finite numbers (parsed as numpy does: decimal, double, float32). */
	private static float[] floats(Json c, String key, float[] def) throws ConfigException {
		if (!c.has(key)) return def;
		JsonElement e = c.raw().get(key);
		String what = "a list of 1 to " + ConfigLimits.MAX_IO_CHANNELS + " numbers, one per channel";
		if (!e.isJsonArray() || e.getAsJsonArray().isEmpty() || e.getAsJsonArray().size() > ConfigLimits.MAX_IO_CHANNELS)
			throw c.invalid(key, what);
		float[] out = new float[e.getAsJsonArray().size()];
		for (int i = 0; i < out.length; i++) {
			JsonElement x = e.getAsJsonArray().get(i);
			if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) throw c.invalid(key, what);
			double v = Double.parseDouble(x.getAsString());
			if (!Double.isFinite(v)) throw c.invalid(key, what);
			out[i] = (float) v;
		}
		return out;
	}
}
