package org.diffseg.peekaboo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.diffseg.img.RgbPlanes;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.StableDiffusion;

/**
 * Peekaboo (Burgert et al., 2023): text-prompted segmentation by optimising an alpha mask with score distillation, and
 * RGBA generation by optimising an image and its alpha together. Headless: takes float planes, returns float planes.
 * Every run is seeded: the same seed on the same device gives the same result.
 */
public final class Peekaboo {

	/** Where the time of an iteration goes (nanoseconds, summed over the run). */
	public static final class Timings {
		public long parametrisation, vaeEncodeBackward, unet, other, total;
		public int iterations;
	}

	/** A segmentation: per prompt, alpha and mask at the original size. */
	public record Segmentation(List<String> prompts, int width, int height, float[][] alpha, byte[][] mask,
		SquareRegion region, List<float[][]> timelapse, int[] timelapseIterations, double[] losses,
		PeekabooSettings settings, Timings timings) {}

	/** A generated RGBA image: rgb [3, s, s] planes in [0, 1] and alpha [s, s]; frames hold [r, g, b, a]. */
	public record Rgba(String prompt, int size, float[] rgb, float[] alpha, List<float[]> timelapse,
		int[] timelapseIterations, double[] losses, PeekabooSettings settings) {}

	private final StableDiffusion sd;
	private final ScoreDistillation distillation;
	/** Collected when set; read by the benchmark. */
	private Timings timings;

	public Peekaboo(StableDiffusion sd) {
		this.sd = sd;
		this.distillation = new ScoreDistillation(sd);
	}

	/** The composite size given to the VAE: the UNet's sample size in pixels (512 for SD 1.x). */
	public int compositeSize() {
		return sd.defaultImageSize();
	}

	/**
	 * Segments {@code image} for each prompt (one alpha channel per prompt, optimised together).
	 *
	 * @param guide optional guide image for "guided bilateral" (e.g. a depth map), any number of channels in [0, 1],
	 * same size as the image; null otherwise
	 * @throws CancellationException when the listener cancels (nothing is returned)
	 */
	public Segmentation segment(RgbPlanes image, float[][] guide, List<String> prompts, PeekabooSettings s,
		PeekabooListener listener)
	{
		checkPrompts(prompts);
		if (s.representation().equals("guided bilateral") && guide == null) throw new IllegalArgumentException(
			"'guided bilateral' needs a guide image (e.g. a depth map); give one, or use 'fourier bilateral'.");
		SquareRegion region = SquareRegion.of(s.square(), image.width(), image.height());
		Timings t = new Timings();
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			NDArray x = region.square(image.toNDArray(m), s.size());
			NDArray g = null;
			if (guide != null) {
				float[] flat = new float[guide.length * image.width() * image.height()];
				for (int c = 0; c < guide.length; c++) {
					if (guide[c].length != image.width() * image.height()) throw new IllegalArgumentException(
						"the guide image must have the image's size " + image.width() + "x" + image.height() + ".");
					System.arraycopy(guide[c], 0, flat, c * guide[c].length, guide[c].length);
				}
				g = region.square(m.create(flat, new Shape(guide.length, image.height(), image.width())), s.size());
			}
			NDArray uncond = sd.encodeText(m, List.of(""));
			NDArray cond = sd.encodeText(m, prompts);
			SplittableRandom random = new SplittableRandom(s.seed());
			int p = prompts.size();
			double[] losses = new double[s.iterations()];
			List<float[][]> frames = new ArrayList<>();
			List<Integer> frameIterations = new ArrayList<>();
			try (AlphaRepresentation alpha = AlphaRepresentation.create(s.representation(), x, g, p, s.bilateral(),
				s.seed()))
			{
				long start = System.nanoTime();
				for (int i = 0; i < s.iterations(); i++) {
					double[] mean = new double[p];
					try (NDManager step = m.newSubManager()) {
						losses[i] = iterate(step, x, null, alpha, uncond, cond, s, random, t, mean);
						if (s.timelapseEvery() > 0 && (i % s.timelapseEvery() == 0 || i == s.iterations() - 1)) {
							NDArray a = alpha.alpha().stopGradient();
							a.attach(step);
							frames.add(region.restore(a));
							frameIterations.add(i + 1);
						}
					}
					if (!listener.onIteration(i + 1, s.iterations(), losses[i], mean))
						throw new CancellationException("Peekaboo was cancelled at iteration " + (i + 1));
				}
				t.total = System.nanoTime() - start;
				t.iterations = s.iterations();
				NDArray finalAlpha = alpha.alpha().stopGradient();
				finalAlpha.attach(m);
				float[][] restored = region.restore(finalAlpha);
				byte[][] masks = new byte[p][];
				for (int c = 0; c < p; c++) masks[c] = threshold(restored[c], s.threshold());
				if (timings != null) add(timings, t);
				return new Segmentation(List.copyOf(prompts), image.width(), image.height(), restored, masks, region,
					frames, frameIterations.stream().mapToInt(Integer::intValue).toArray(), losses, s, t);
			}
		}
	}

	/**
	 * Generates an RGBA image for a prompt (paper §5, Algorithm 2): a Fourier-parametrised RGB image and a Fourier
	 * alpha, optimised jointly with the same loss.
	 */
	public Rgba generateRgba(String prompt, PeekabooSettings s, PeekabooListener listener) {
		checkPrompts(List.of(prompt));
		Timings t = new Timings();
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			NDArray uncond = sd.encodeText(m, List.of(""));
			NDArray cond = sd.encodeText(m, List.of(prompt));
			SplittableRandom random = new SplittableRandom(s.seed());
			double[] losses = new double[s.iterations()];
			List<float[]> frames = new ArrayList<>();
			List<Integer> frameIterations = new ArrayList<>();
			NDArray shapeOnly = m.zeros(new Shape(3, s.size(), s.size()));
			try (AlphaRepresentation alpha = AlphaRepresentation.create("fourier", shapeOnly, null, 1, s.bilateral(),
				s.seed()); LearnableRgbImage rgb = new LearnableRgbImage(m, s.size(), s.size(), s.seed() + 1))
			{
				for (int i = 0; i < s.iterations(); i++) {
					double[] mean = new double[1];
					try (NDManager step = m.newSubManager()) {
						losses[i] = iterate(step, null, rgb, alpha, uncond, cond, s, random, t, mean);
						if (s.timelapseEvery() > 0 && (i % s.timelapseEvery() == 0 || i == s.iterations() - 1)) {
							frames.add(rgbaFrame(step, rgb, alpha));
							frameIterations.add(i + 1);
						}
					}
					if (!listener.onIteration(i + 1, s.iterations(), losses[i], mean))
						throw new CancellationException("RGBA generation was cancelled at iteration " + (i + 1));
				}
				try (NDManager last = m.newSubManager()) {
					float[] frame = rgbaFrame(last, rgb, alpha);
					int n = s.size() * s.size();
					float[] rgbPlanes = java.util.Arrays.copyOfRange(frame, 0, 3 * n);
					float[] alphaPlane = java.util.Arrays.copyOfRange(frame, 3 * n, 4 * n);
					return new Rgba(prompt, s.size(), rgbPlanes, alphaPlane, frames,
						frameIterations.stream().mapToInt(Integer::intValue).toArray(), losses, s);
				}
			}
		}
	}

	private static float[] rgbaFrame(NDManager scope, LearnableRgbImage rgb, AlphaRepresentation alpha) {
		NDArray image = rgb.image().stopGradient();
		NDArray a = alpha.alpha().stopGradient();
		image.attach(scope);
		a.attach(scope);
		return image.concat(a, 0).toFloatArray();
	}

	/**
	 * One optimisation step: composite with random solid backgrounds, encode (with gradient), score distillation per
	 * prompt, gravity, backward, SGD. Returns the surrogate loss.
	 *
	 * @param image [3, S, S] to segment, or null when {@code rgb} is learnt
	 */
	private double iterate(NDManager step, NDArray image, LearnableRgbImage rgb, AlphaRepresentation alpha,
		NDArray uncond, NDArray cond, PeekabooSettings s, SplittableRandom random, Timings t,
		double[] meanAlpha)
	{
		int p = alpha.channels(), b = s.batchSize(), n = p * b;
		long size = s.size();
		int composite = compositeSize();
		int latent = composite / sd.latentScale();
		long t0 = System.nanoTime();
		NDList params = new NDList(alpha.parameters());
		if (rgb != null) params.addAll(rgb.parameters());
		double loss;
		try (GradientCollector gc = Engine.getEngine(step.getEngine().getEngineName()).newGradientCollector()) {
			NDArray a = alpha.alpha();
			a.attach(step);
			NDArray x = image;
			if (rgb != null) {
				x = rgb.image();
				x.attach(step);
			}
			long t1 = System.nanoTime();
			// backgrounds: one random solid colour per composite (prompt-major: row = prompt * b + k)
			float[] colours = new float[n * 3];
			for (int k = 0; k < colours.length; k++) colours[k] = (float) random.nextDouble();
			NDArray bg = step.create(colours, new Shape(n, 3, 1, 1));
			NDArray alphas = a.repeat(0, b).expandDims(1); // [n, 1, S, S]
			NDArray images = x.expandDims(0); // [1, 3, S, S]
			NDArray comp = images.mul(alphas).add(bg.mul(alphas.neg().add(1)));
			NDArray big = SquareRegion.resize(comp, composite, composite);
			var posterior = sd.vae.encode(big.mul(2).sub(1).toType(sd.dtype, false), null);
			NDArray latents = posterior.mean();
			if (s.sampleLatents()) latents = posterior.sample(normal(step, random, n, sd.vae.config.latentChannels(),
				latent));
			latents = latents.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(sd.vae.scalingFactor());
			long t2 = System.nanoTime();
			long[] ts = new long[n];
			for (int k = 0; k < n; k++) ts[k] = s.minTimestep() + random.nextInt(s.maxTimestep() - s.minTimestep() + 1);
			NDArray noise = normal(step, random, n, sd.vae.config.latentChannels(), latent);
			NDArray condRows = cond.repeat(0, b);
			NDArray grad = distillation.gradient(latents, noise, ts, uncond, condRows, s.guidance());
			long t3 = System.nanoTime();
			NDArray surrogate = latents.mul(grad).sum();
			NDArray gravity = a.sum().mul(s.gravity());
			NDArray objective = surrogate.add(gravity);
			loss = objective.getFloat();
			gc.backward(objective);
			long t4 = System.nanoTime();
			t.parametrisation += t1 - t0;
			t.unet += t3 - t2;
			t.vaeEncodeBackward += (t2 - t1) + (t4 - t3);
		}
		long t5 = System.nanoTime();
		Sgd.step(params, s.learningRate());
		try (NDArray after = alpha.alpha().stopGradient()) {
			float[] values = after.reshape(after.getShape().get(0), -1).mean(new int[] { 1 }).toFloatArray();
			for (int c = 0; c < meanAlpha.length && c < values.length; c++) meanAlpha[c] = values[c];
		}
		t.other += System.nanoTime() - t5;
		return loss;
	}

	/** Standard normals [n, c, h, h] from the run's random stream (device-independent). */
	static NDArray normal(NDManager m, SplittableRandom random, int n, int c, int h) {
		float[] v = new float[n * c * h * h];
		for (int i = 0; i < v.length; i += 2) {
			double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
			double r = Math.sqrt(-2 * Math.log(u1));
			v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
			if (i + 1 < v.length) v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
		}
		return m.create(v, new Shape(n, c, h, h));
	}

	static byte[] threshold(float[] alpha, float threshold) {
		byte[] mask = new byte[alpha.length];
		for (int i = 0; i < alpha.length; i++) mask[i] = alpha[i] > threshold ? (byte) 255 : 0;
		return mask;
	}

	private void checkPrompts(List<String> prompts) {
		if (prompts == null || prompts.isEmpty()) throw new IllegalArgumentException("give at least one prompt.");
		for (String prompt : prompts) {
			if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("a prompt is empty: describe " +
				"what to segment, e.g. \"a cat\".");
			ClipTokenizer.Encoding e = sd.tokenizer.encode(prompt);
			if (e.truncated()) java.util.logging.Logger.getLogger(Peekaboo.class.getName()).warning("the prompt \"" +
				prompt + "\" has " + e.textTokenCount() + " tokens; only the first " + (sd.tokenizer.maxLength() - 2) +
				" are used.");
		}
	}

	/** Collect timings across runs into {@code sink} (for the benchmark); null stops collecting. */
	public void collectTimings(Timings sink) {
		this.timings = sink;
	}

	private static void add(Timings into, Timings t) {
		into.parametrisation += t.parametrisation;
		into.vaeEncodeBackward += t.vaeEncodeBackward;
		into.unet += t.unet;
		into.other += t.other;
		into.total += t.total;
		into.iterations += t.iterations;
	}
}
