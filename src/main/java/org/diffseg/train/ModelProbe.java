package org.diffseg.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.AttentionRecorder;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;
import org.diffseg.synth.Scene;
import org.diffseg.synth.SceneGenerator;
import org.diffseg.synth.SceneObject;

/**
 * Quick checks of a trained shapes model: a sheet of samples drawn from captions, and whether the cross-attention
 * of each object's colour and shape words falls on that object in held-out scenes (what Peekaboo's and OVDiff's
 * attribution rely on).
 */
public final class ModelProbe {
	public static final List<String> CAPTIONS = List.of("a red circle", "a green square", "a blue triangle",
		"a yellow star", "a purple ring", "a white square", "a red star and a blue ring", "a green circle and a yellow triangle");

	private ModelProbe() {}

	/** Draws {@code perCaption} images of each of {@link #CAPTIONS} into one PNG (a row per caption). */
	public static void samples(StableDiffusion sd, Path png, int perCaption, long seed) throws IOException {
		int size = sd.defaultImageSize();
		BufferedImage sheet = new BufferedImage(perCaption * size, CAPTIONS.size() * size, BufferedImage.TYPE_INT_RGB);
		TextToImage t2i = new TextToImage(sd);
		TextToImage.Settings s = new TextToImage.Settings(20, 5f, "ddim", size, size);
		try (NDManager m = NDManager.newBaseManager()) {
			for (int row = 0; row < CAPTIONS.size(); row++) {
				try (NDManager step = m.newSubManager()) {
					NDArray img = t2i.generate(step, CAPTIONS.get(row), "", seed + row, perCaption, s, null, ProgressListener.NONE,
						CancelToken.none());
					float[] px = img.toFloatArray();
					int plane = size * size;
					for (int b = 0; b < perCaption; b++)
						for (int y = 0; y < size; y++)
							for (int x = 0; x < size; x++) {
								int o = b * 3 * plane + y * size + x;
								int rgb = c(px[o]) << 16 | c(px[o + plane]) << 8 | c(px[o + 2 * plane]);
								sheet.setRGB(b * size + x, row * size + y, rgb);
							}
				}
			}
		}
		ImageIO.write(sheet, "png", png.toFile());
	}

	private static int c(float v) {
		return Math.max(0, Math.min(255, Math.round(v * 255)));
	}

	/** Pointing accuracy and attention mass inside the object, for colour and shape words. */
	public record AttentionScore(double colourHit, double shapeHit, double colourMass, double shapeMass, int objects) {
		@Override
		public String toString() {
			return String.format("over %d objects of held-out scenes, the cross-attention peak of the colour word falls " +
				"on its object in %.0f %% (shape word: %.0f %%); %.0f %% of the colour word's attention mass lies on the " +
				"object (shape word: %.0f %%)", objects, 100 * colourHit, 100 * shapeHit, 100 * colourMass, 100 * shapeMass);
		}
	}

	/**
	 * Encodes {@code scenes} held-out scenes, noises them at timestep {@code t}, runs the UNet with their captions and
	 * reads the cross-attention of the finest layers (averaged over heads and layers).
	 */
	public static AttentionScore attention(StableDiffusion sd, long seed, int scenes, int t) {
		return attention(sd, seed, scenes, t, true);
	}

	/**
	 * As {@link #attention(StableDiffusion, long, int, int)}; {@code finestOnly} false averages every cross-attention
	 * layer, coarser maps repeated up to the latent grid (as OVDiff's heat maps do).
	 */
	public static AttentionScore attention(StableDiffusion sd, long seed, int scenes, int t, boolean finestOnly) {
		SceneGenerator g = new SceneGenerator(seed);
		int size = sd.defaultImageSize(), lat = size / sd.latentScale();
		double ch = 0, sh = 0, cm = 0, sm = 0;
		int n = 0;
		try (NDManager m = NDManager.newBaseManager()) {
			for (int k = 0; k < scenes; k++) {
				Scene scene = g.next();
				try (NDManager s = m.newSubManager(); AttentionRecorder rec = new AttentionRecorder(s,
					p -> true, true, false))
				{
					NDArray z = latents(sd, s, scene);
					NDArray noise = TextToImage.initialLatents(s, seed * 31 + k, 1, 4, lat, lat);
					NDArray xt = sd.noiseSchedule.addNoise(z, noise, new long[] { t });
					NDArray ctx = sd.encodeText(s, List.of(scene.caption()));
					sd.unet.forward(xt, s.create((float) t), ctx, rec, null);
					long[] ids = sd.tokenizer.encode(scene.caption()).ids();
					for (SceneObject o : scene.objects()) {
						int ci = position(sd, ids, o.colour(), o.shape(), 0), si = position(sd, ids, o.colour(), o.shape(), 1);
						if (ci < 0) continue;
						float[] cmap = map(rec, lat, ci, finestOnly), smap = map(rec, lat, si, finestOnly);
						boolean[] cells = cells(o.mask(), size, lat);
						ch += hit(cmap, cells);
						sh += hit(smap, cells);
						cm += mass(cmap, cells);
						sm += mass(smap, cells);
						n++;
					}
				}
			}
		}
		return new AttentionScore(ch / n, sh / n, cm / n, sm / n, n);
	}

	/** A scene's scaled VAE latents (posterior mean). */
	private static NDArray latents(StableDiffusion sd, NDManager s, Scene scene) {
		int size = sd.defaultImageSize();
		float[] px = new float[3 * size * size];
		for (int i = 0; i < size * size; i++) {
			int v = scene.rgb()[i];
			px[i] = ((v >> 16) & 255) / 127.5f - 1;
			px[size * size + i] = ((v >> 8) & 255) / 127.5f - 1;
			px[2 * size * size + i] = (v & 255) / 127.5f - 1;
		}
		return sd.vae.encode(s.create(px, new Shape(1, 3, size, size)), null).mean().mul(sd.vae.scalingFactor());
	}

	/** Token position of the colour (which 0) or shape (1) word of "colour shape" in the ids. */
	private static int position(StableDiffusion sd, long[] ids, String colour, String shape, int which) {
		List<Integer> c = sd.tokenizer.textTokenIds(colour), sh = sd.tokenizer.textTokenIds(shape);
		if (c.size() != 1 || sh.size() != 1) return -1;
		for (int i = 0; i + 1 < ids.length; i++) if (ids[i] == c.get(0) && ids[i + 1] == sh.get(0)) return i + which;
		return -1;
	}

	/**
	 * Attention to one token over the latent grid, averaged over heads and the layers at full latent resolution (or
	 * over all layers, each repeated up to the grid).
	 */
	private static float[] map(AttentionRecorder rec, int lat, int token, boolean finestOnly) {
		float[] out = new float[lat * lat];
		int layers = 0;
		for (var e : rec.probs.entrySet()) {
			long[] hw = rec.sizes.get(e.getKey());
			if (finestOnly && (hw[0] != lat || hw[1] != lat)) continue;
			if (lat % hw[0] != 0 || lat % hw[1] != 0) continue;
			NDArray p = e.getValue(); // [heads, Q, 77]
			float[] v = p.get(":, :, " + token).mean(new int[] { 0 }).toType(DataType.FLOAT32, false).toFloatArray();
			int fy = (int) (lat / hw[0]), fx = (int) (lat / hw[1]);
			for (int y = 0; y < lat; y++)
				for (int x = 0; x < lat; x++) out[y * lat + x] += v[(int) ((y / fy) * hw[1] + x / fx)];
			layers++;
		}
		for (int i = 0; i < out.length; i++) out[i] /= Math.max(1, layers);
		return out;
	}

	/** Latent cells at least half covered by the mask. */
	private static boolean[] cells(boolean[] mask, int size, int lat) {
		int f = size / lat;
		boolean[] out = new boolean[lat * lat];
		for (int cy = 0; cy < lat; cy++)
			for (int cx = 0; cx < lat; cx++) {
				int in = 0;
				for (int y = 0; y < f; y++) for (int x = 0; x < f; x++) if (mask[(cy * f + y) * size + cx * f + x]) in++;
				out[cy * lat + cx] = in * 2 >= f * f;
			}
		return out;
	}

	private static double hit(float[] map, boolean[] cells) {
		int best = 0;
		for (int i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
		return cells[best] ? 1 : 0;
	}

	private static double mass(float[] map, boolean[] cells) {
		double in = 0, all = 0;
		for (int i = 0; i < map.length; i++) {
			all += map[i];
			if (cells[i]) in += map[i];
		}
		return all > 0 ? in / all : 0;
	}

	/**
	 * Prints the attention check of a model folder, {@code ModelProbe MODEL [SCENES]}, or draws its sample sheet,
	 * {@code ModelProbe MODEL samples OUT.png} (development aids).
	 */
	public static void main(String[] args) throws Exception {
		try (StableDiffusion sd = StableDiffusion.load(Path.of(args[0]))) {
			if (args.length > 2 && args[1].equals("samples")) {
				samples(sd, Path.of(args[2]), 4, 1234);
				return;
			}
			int scenes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
			System.out.println("attention share of token positions 0-10 (all layers, t = 300), then the mean largest " +
				"weight: " + java.util.Arrays.toString(tokenShares(sd, 20261206L, Math.min(scenes, 20), 300)));
			for (int t : new int[] { 300, 600 }) {
				System.out.println("t = " + t + ", finest layers: " + attention(sd, 20261206L, scenes, t, true));
				System.out.println("t = " + t + ", all layers:    " + attention(sd, 20261206L, scenes, t, false));
			}
		}
	}

	/**
	 * The share of cross-attention each of the first 11 token positions gets, over pixels, heads and layers, and last
	 * the mean largest weight a pixel gives any token (1/77 = 0.013 for attention that does not choose).
	 */
	static float[] tokenShares(StableDiffusion sd, long seed, int scenes, int t) {
		SceneGenerator g = new SceneGenerator(seed);
		int size = sd.defaultImageSize(), lat = size / sd.latentScale();
		float[] share = new float[12];
		int n = 0;
		try (NDManager m = NDManager.newBaseManager()) {
			for (int k = 0; k < scenes; k++) {
				Scene scene = g.next();
				try (NDManager s = m.newSubManager();
					AttentionRecorder rec = new AttentionRecorder(s, p -> true, true, false))
				{
					NDArray z = latents(sd, s, scene);
					NDArray noise = TextToImage.initialLatents(s, k, 1, 4, lat, lat);
					NDArray xt = sd.noiseSchedule.addNoise(z, noise, new long[] { t });
					sd.unet.forward(xt, s.create((float) t), sd.encodeText(s, List.of(scene.caption())), rec, null);
					for (NDArray p : rec.probs.values()) {
						float[] v = p.mean(new int[] { 0 }).mean(new int[] { 0 }).toType(DataType.FLOAT32, false).toFloatArray();
						for (int i = 0; i < share.length - 1; i++) share[i] += v[i];
						// the last slot: the mean over pixels and heads of the largest weight a pixel gives one token
						share[share.length - 1] += p.max(new int[] { 2 }).mean().toType(DataType.FLOAT32, false).getFloat();
						n++;
					}
				}
			}
		}
		for (int i = 0; i < share.length; i++) share[i] /= n;
		return share;
	}

	/** Model-card text: the samples sheet and the attention check. */
	public static String report(StableDiffusion sd, Path folder) throws IOException {
		List<String> lines = new ArrayList<>();
		samples(sd, folder.resolve("samples.png"), 4, 1234);
		lines.add("## Samples\n\n![samples](samples.png)\n\nRows: " + String.join("; ", CAPTIONS) +
			" (DDIM, 20 steps, guidance 5, seeds 1234+row).");
		AttentionScore a = attention(sd, 20261206L, 100, 300);
		lines.add("## Cross-attention check\n\nOn 100 held-out scenes (SceneGenerator seed 20261206) noised at t = 300, " +
			a + ". A cell counts as on the object when the object covers at least half of it. For comparison, attention " +
			"that ignores the image puts about the objects' share of the area (6-7 %) on them, and an untrained model " +
			"scores about that.");
		return String.join("\n\n", lines);
	}
}
