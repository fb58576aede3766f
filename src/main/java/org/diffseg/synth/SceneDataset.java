package org.diffseg.synth;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A dataset folder: the images, one 0/255 8-bit PNG mask per object, and {@code scenes.json}, a list of
 * <pre>{"image": "scene-00.png", "caption": "...", "objects": [{"prompt": "a red triangle", "mask": "scene-00-mask-0.png"}]}</pre>
 * with paths relative to the folder. Synthetic scenes are written in it; users hand their own annotated images to
 * {@code diffseg eval} in the same format (any image format {@link ImageIO} reads; mask pixels above 0 are the object).
 */
public final class SceneDataset {

	/** The index file of a dataset folder. */
	public static final String INDEX = "scenes.json";

	private SceneDataset() {}

	/** Writes the scenes, their masks and {@code scenes.json} into {@code dir} (created if missing). */
	public static void write(Path dir, List<Scene> scenes) throws IOException {
		Files.createDirectories(dir);
		int digits = Math.max(2, String.valueOf(Math.max(0, scenes.size() - 1)).length());
		JsonArray index = new JsonArray();
		for (int i = 0; i < scenes.size(); i++) {
			Scene s = scenes.get(i);
			String stem = String.format("scene-%0" + digits + "d", i);
			writeRgb(dir.resolve(stem + ".png"), new RgbImage(s.width(), s.height(), s.rgb()));
			JsonObject entry = new JsonObject();
			entry.addProperty("image", stem + ".png");
			entry.addProperty("caption", s.caption());
			JsonArray objects = new JsonArray();
			for (int k = 0; k < s.objects().size(); k++) {
				SceneObject o = s.objects().get(k);
				String mask = stem + "-mask-" + k + ".png";
				writeMask(dir.resolve(mask), o.mask(), s.width(), s.height());
				JsonObject obj = new JsonObject();
				obj.addProperty("prompt", o.prompt());
				obj.addProperty("mask", mask);
				objects.add(obj);
			}
			entry.add("objects", objects);
			index.add(entry);
		}
		try (Writer w = Files.newBufferedWriter(dir.resolve(INDEX), StandardCharsets.UTF_8)) {
			new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(index, w);
		}
	}

	/**
	 * Reads {@code dir/scenes.json}; paths in the result are resolved against {@code dir}. Fails with a message naming
	 * the entry when the index is malformed or names a missing file.
	 */
	public static List<LabelledImage> read(Path dir) throws IOException {
		Path file = dir.resolve(INDEX);
		if (!Files.isRegularFile(file)) throw new IOException(dir + ": no " + INDEX + " in this folder (a dataset " +
			"folder holds the images, one mask per object and " + INDEX + "; `diffseg synth` writes one).");
		JsonElement root;
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			root = JsonParser.parseReader(r);
		} catch (JsonParseException e) {
			throw new IOException(file + ": not valid JSON (" + e.getMessage() + ").", e);
		}
		if (!root.isJsonArray()) throw new IOException(file + ": expected a list of {\"image\", \"caption\", \"objects\"}.");
		List<LabelledImage> images = new ArrayList<>();
		int i = 0;
		for (JsonElement e : root.getAsJsonArray()) {
			String where = file + ", entry " + i++;
			if (!e.isJsonObject()) throw new IOException(where + ": expected an object.");
			JsonObject o = e.getAsJsonObject();
			Path image = existing(dir, string(o, "image", where), where);
			String caption = o.has("caption") && !o.get("caption").isJsonNull() ? o.get("caption").getAsString() : "";
			List<LabelledObject> objects = new ArrayList<>();
			if (o.has("objects")) {
				if (!o.get("objects").isJsonArray()) throw new IOException(where + ": \"objects\" must be a list.");
				for (JsonElement oe : o.getAsJsonArray("objects")) {
					if (!oe.isJsonObject()) throw new IOException(where + ": each object must be {\"prompt\", \"mask\"}.");
					JsonObject obj = oe.getAsJsonObject();
					String prompt = string(obj, "prompt", where);
					if (prompt.isBlank()) throw new IOException(where + ": an object has an empty prompt.");
					objects.add(new LabelledObject(prompt, existing(dir, string(obj, "mask", where), where)));
				}
			}
			images.add(new LabelledImage(image, caption, objects));
		}
		return images;
	}

	private static String string(JsonObject o, String key, String where) throws IOException {
		JsonElement v = o.get(key);
		if (v == null || !v.isJsonPrimitive()) throw new IOException(where + ": missing \"" + key + "\".");
		return v.getAsString();
	}

	private static Path existing(Path dir, String relative, String where) throws IOException {
		Path p = dir.resolve(relative).normalize();
		if (!Files.isRegularFile(p)) throw new IOException(where + ": " + relative + " does not exist in " + dir + ".");
		return p;
	}

	/** Reads an image file as packed RGB (grey images: R = G = B; 16-bit samples are scaled to 8 bits). */
	public static RgbImage readRgb(Path file) throws IOException {
		BufferedImage img = readImage(file);
		int w = img.getWidth(), h = img.getHeight();
		int[] rgb = new int[w * h];
		Raster r = img.getRaster();
		int bands = r.getNumBands();
		boolean plainGrey = bands <= 2 && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
		if (plainGrey) {
			int max = (1 << r.getSampleModel().getSampleSize(0)) - 1;
			for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
				int v = (int) Math.round(r.getSample(x, y, 0) * 255.0 / max);
				rgb[y * w + x] = v << 16 | v << 8 | v;
			}
		} else {
			img.getRGB(0, 0, w, h, rgb, 0, w);
			for (int i = 0; i < rgb.length; i++) rgb[i] &= 0xFFFFFF;
		}
		return new RgbImage(w, h, rgb);
	}

	/** Reads a mask image: pixels whose first sample is above 0 are the object. */
	public static boolean[] readMask(Path file) throws IOException {
		BufferedImage img = readImage(file);
		Raster r = img.getRaster();
		int w = img.getWidth(), h = img.getHeight();
		boolean[] mask = new boolean[w * h];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) mask[y * w + x] = r.getSample(x, y, 0) > 0;
		return mask;
	}

	/** Width and height of an image file. */
	public static int[] size(Path file) throws IOException {
		BufferedImage img = readImage(file);
		return new int[] { img.getWidth(), img.getHeight() };
	}

	private static BufferedImage readImage(Path file) throws IOException {
		BufferedImage img;
		try {
			img = ImageIO.read(file.toFile());
		} catch (IOException e) {
			throw new IOException(file + ": cannot read this image (" + e.getMessage() + ").", e);
		}
		if (img == null) throw new IOException(file + ": not an image format Java reads (use PNG).");
		return img;
	}

	/** Writes packed RGB as an 8-bit RGB PNG. */
	public static void writeRgb(Path file, RgbImage image) throws IOException {
		BufferedImage img = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
		img.setRGB(0, 0, image.width(), image.height(), image.rgb(), 0, image.width());
		if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer for " + file);
	}

	/** Writes a mask as an 8-bit grey PNG, 255 inside and 0 outside. */
	public static void writeMask(Path file, boolean[] mask, int width, int height) throws IOException {
		if (mask.length != width * height) throw new IllegalArgumentException("mask has " + mask.length + " pixels, not " +
			width + "x" + height);
		BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
		var raster = img.getRaster();
		for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) raster.setSample(x, y, 0, mask[y * width + x] ? 255 : 0);
		if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer for " + file);
	}
}
