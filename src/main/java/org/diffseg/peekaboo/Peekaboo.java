package org.diffseg.peekaboo;

import org.diffseg.sd.nn.InPlace;
import org.diffseg.sd.nn.Scalars;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.diffseg.img.RgbPlanes;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.AutoencoderKL;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.NonFiniteException;
import org.diffseg.sd.StableDiffusion;

/**
 * Peekaboo (Burgert et al., 2023): text-prompted segmentation by optimising an alpha mask with score distillation, and
 * RGBA generation by optimising an image and its alpha together. Headless: takes float planes, returns float planes.
 * Every run is seeded: the same seed on the same device gives the same result.
 *
 * <p>A run reports each iteration to the one progress interface, {@link ProgressListener} ("iteration", i, n), and stops
 * when its {@link CancelToken} is cancelled (checked before every iteration and after the last; it then throws
 * {@link CancellationException} and returns nothing). The per-iteration data a front-end may show or log (the loss and
 * the mean alpha of each prompt) is not pushed through a listener: it is part of the result
 * ({@link Segmentation#losses()}, {@link Segmentation#meanAlpha()}), so progress, cancellation and data stay apart.
 */
public final class Peekaboo {

	/** Where the time of each iteration went, in nanoseconds; the parts of an iteration add up to its wall time. */
	public static final class Timings {
		/** The parts, in the order of the {@code part} arguments; "other" is the remainder of the iteration. */
		public static final List<String> PARTS = List.of("parametrisation", "vae_encode_backward", "unet", "other");
		static final int PARAMETRISATION = 0, VAE = 1, UNET = 2, OTHER = 3;
		private final List<long[]> iterations = new ArrayList<>();

		void add(long[] nanos) {
			iterations.add(nanos.clone());
		}

		public int iterations() {
			return iterations.size();
		}

		/** Time of {@code part} (an index of {@link #PARTS}) in iteration {@code i} (0-based). */
		public long nanos(int i, int part) {
			return iterations.get(i)[part];
		}

		/** Wall time of iteration {@code i} (0-based). */
		public long nanos(int i) {
			return Arrays.stream(iterations.get(i)).sum();
		}

		/** Time of {@code part} summed over all iterations. */
		public long totalNanos(int part) {
			return iterations.stream().mapToLong(t -> t[part]).sum();
		}
	}

	/**
	 * A segmentation: per prompt, alpha and mask at the original size. Timelapse frame f shows the alpha after
	 * {@code timelapseIterations[f]} updates (0 = the initial alpha; the last frame is the result).
	 * @param losses per iteration, the score-distillation surrogate plus gravity term
	 * @param meanAlpha per iteration and prompt, the mean alpha that iteration's composites used (before its update)
	 */
	public record Segmentation(List<String> prompts, int width, int height, float[][] alpha, byte[][] mask,
		SquareRegion region, List<float[][]> timelapse, int[] timelapseIterations, double[] losses,
		double[][] meanAlpha, List<String> warnings, PeekabooSettings settings, Timings timings) {}

	/**
	 * A generated RGBA image: rgb [3, s, s] planes in [0, 1] and alpha [s, s]; frames hold [r, g, b, a].
	 * @param losses per iteration, as {@link Segmentation#losses()}
	 * @param meanAlpha per iteration, the mean alpha (one value), as {@link Segmentation#meanAlpha()}
	 */
	public record Rgba(String prompt, int size, float[] rgb, float[] alpha, List<float[]> timelapse,
		int[] timelapseIterations, double[] losses, double[][] meanAlpha, List<String> warnings,
		PeekabooSettings settings, Timings timings) {}

	/**
	 * The random draws of one iteration, made in a fixed order from the run's stream (explicit so that a test can give
	 * a reference's values).
	 *
	 * @param backgrounds RGB in [0, 1] per composite, [n * 3]
	 * @param timesteps diffusion timestep per composite
	 * @param noise ε [n, L, h, w]
	 * @param posteriorNoise the VAE posterior sample's noise [n, L, h, w], or null to encode with the posterior mean
	 */
	record Draws(float[] backgrounds, long[] timesteps, NDArray noise, NDArray posteriorNoise) {}

	/** The outcome of one forward and backward: the loss, and the alpha (and learnt RGB) the composites used. */
	record Step(double loss, NDArray alpha, NDArray rgb) {}

	/** Receives the state after {@code iteration} updates: every timelapse iteration and, last, the final one. */
	@FunctionalInterface
	private interface Snapshot {
		void take(int iteration, NDArray alpha, NDArray rgb);
	}

	/** What to try when a value is not finite. */
	static final String NON_FINITE_HINT = "Try a lower learning rate or guidance, another seed, or check the model " +
		"(a random, corrupted or float16-overflowing checkpoint gives such values).";

	private final StableDiffusion sd;
	private final ScoreDistillation distillation;
	private boolean checkpointing = true;

	public Peekaboo(StableDiffusion sd) {
		this.sd = sd;
		this.distillation = new ScoreDistillation(sd);
	}

	/**
	 * Whether the VAE's backward recomputes the encoder's high-resolution stages from checkpoints (default; which
	 * stages: {@link AutoencoderKL#CHECKPOINT_INPUT_BYTES}, none for small composites: the memory of an iteration stays
	 * a fraction of the plain graph's at 512 px, for part of an encoder forward) or keeps the whole encoder graph.
	 * Both give the same gradients up to float rounding.
	 */
	public Peekaboo vaeCheckpointing(boolean on) {
		checkpointing = on;
		return this;
	}

	/**
	 * Clamps each element of the score-distillation latent gradient to [-limit, limit] (0, the default: no clamp, as
	 * the authors' code). See {@link ScoreDistillation#clamp}: for random or tiny models, whose guided predictions are
	 * far off the unit scale.
	 */
	public Peekaboo gradientClamp(float limit) {
		distillation.clamp(limit);
		return this;
	}

	/** The side of the composites given to the VAE: the settings' value, or the UNet's sample size in pixels. */
	public int compositeSize(PeekabooSettings s) {
		int c = s.compositeSize() > 0 ? s.compositeSize() : sd.defaultImageSize();
		if (c % sd.latentScale() != 0) throw new IllegalArgumentException("the composite size " + c + " is not a " +
			"multiple of " + sd.latentScale() + " (the VAE's downsampling factor): choose e.g. " +
			(c / sd.latentScale() + 1) * sd.latentScale() + ".");
		return c;
	}

	/**
	 * Segments {@code image} for each prompt (one alpha channel per prompt, optimised together).
	 *
	 * @param guide optional guide image for "guided bilateral" (e.g. a depth map), any number of channels in [0, 1],
	 * same size as the image; null otherwise
	 * @param progress told after every iteration ("iteration", i, n)
	 * @throws CancellationException when {@code cancel} is cancelled (nothing is returned)
	 */
	public Segmentation segment(RgbPlanes image, float[][] guide, List<String> prompts, PeekabooSettings s,
		ProgressListener progress, CancelToken cancel)
	{
		List<String> warnings = checkPrompts(prompts);
		if (AlphaRepresentation.Kind.fromName(s.representation()) == AlphaRepresentation.Kind.GUIDED_BILATERAL &&
			guide == null) throw new IllegalArgumentException("'guided bilateral' needs a guide image (e.g. a depth " +
				"map); give one, or use 'fourier bilateral'.");
		checkGuide(guide, image);
		compositeSize(s);
		SquareRegion region = SquareRegion.of(s.square(), image.width(), image.height());
		int p = prompts.size(), n = s.iterations();
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			NDArray x = region.square(image.toNDArray(m), s.size());
			NDArray g = guide == null ? null : region.square(guideArray(m, guide, image), s.size());
			CompositeObjective objective = scoreDistillation(m, prompts, s);
			List<float[][]> frames = new ArrayList<>();
			List<Integer> frameIterations = new ArrayList<>();
			float[][][] result = new float[1][][];
			try (AlphaRepresentation alpha = AlphaRepresentation.create(s.representation(), x, g, p, s.bilateral(),
				s.seed()))
			{
				Run run = optimise(m, x, null, alpha, objective, s, progress, cancel, "Peekaboo", (i, a, rgb) -> {
					float[][] restored = region.restore(a);
					if (s.timelapseEvery() > 0) {
						frames.add(restored);
						frameIterations.add(i);
					}
					if (i == n) result[0] = restored;
				});
				byte[][] masks = new byte[p][];
				for (int c = 0; c < p; c++) masks[c] = threshold(result[0][c], s.threshold());
				return new Segmentation(List.copyOf(prompts), image.width(), image.height(), result[0], masks, region,
					frames, ints(frameIterations), run.losses(), run.meanAlpha(), warnings, s, run.timings());
			}
		}
	}

	/**
	 * Generates an RGBA image for a prompt (paper §5, Algorithm 2): a Fourier-parametrised RGB image and a Fourier
	 * alpha (the settings' representation is not used: there is no image to guide a bilateral blur), optimised jointly
	 * with the same loss.
	 *
	 * @param progress told after every iteration ("iteration", i, n)
	 * @throws CancellationException when {@code cancel} is cancelled (nothing is returned)
	 */
	public Rgba generateRgba(String prompt, PeekabooSettings s, ProgressListener progress, CancelToken cancel) {
		List<String> warnings = checkPrompts(List.of(prompt));
		compositeSize(s);
		int n = s.iterations(), pixels = s.size() * s.size();
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			CompositeObjective objective = scoreDistillation(m, List.of(prompt), s);
			List<float[]> frames = new ArrayList<>();
			List<Integer> frameIterations = new ArrayList<>();
			float[][] result = new float[1][];
			NDArray shapeOnly = m.zeros(new Shape(3, s.size(), s.size()));
			try (AlphaRepresentation alpha = AlphaRepresentation.create(AlphaRepresentation.Kind.FOURIER, shapeOnly, null,
				1, s.bilateral(), s.seed()); LearnableRgbImage rgb = new LearnableRgbImage(m, s.size(), s.size(),
				s.seed() + 1))
			{
				Run run = optimise(m, null, rgb, alpha, objective, s, progress, cancel, "RGBA generation",
					(i, a, image) -> {
						float[] frame = image.concat(a, 0).toFloatArray();
						if (s.timelapseEvery() > 0) {
							frames.add(frame);
							frameIterations.add(i);
						}
						if (i == n) result[0] = frame;
					});
				return new Rgba(prompt, s.size(), Arrays.copyOfRange(result[0], 0, 3 * pixels),
					Arrays.copyOfRange(result[0], 3 * pixels, 4 * pixels), frames, ints(frameIterations), run.losses(),
					run.meanAlpha(), warnings, s, run.timings());
			}
		}
	}

	private record Run(double[] losses, double[][] meanAlpha, Timings timings) {}

	/**
	 * The optimisation loop shared by segmentation and RGBA generation: per iteration, draws, forward and backward
	 * ({@link #step}), SGD update, progress. Snapshots: after 0, k, 2k, ... updates and after the last one. Cancelling
	 * is seen before every iteration and after the last one.
	 */
	private Run optimise(NDManager m, NDArray image, LearnableRgbImage rgb, AlphaRepresentation alpha,
		CompositeObjective objective, PeekabooSettings s, ProgressListener progress, CancelToken cancel, String what,
		Snapshot snapshot)
	{
		int composite = compositeSize(s);
		int p = alpha.channels(), rows = p * s.batchSize(), n = s.iterations();
		int latent = composite / sd.latentScale();
		SplittableRandom random = new SplittableRandom(s.seed());
		NDList parameters = new NDList(alpha.parameters());
		if (rgb != null) parameters.addAll(rgb.parameters());
		double[] losses = new double[n];
		double[][] meanAlpha = new double[n][];
		Timings timings = new Timings();
		for (int i = 0; i < n; i++) {
			cancel.check();
			double[] mean = new double[p];
			meanAlpha[i] = mean;
			long start = System.nanoTime();
			long[] nanos = new long[Timings.PARTS.size()];
			try (NDManager scope = m.newSubManager()) {
				Draws d = draw(scope, random, s, rows, sd.vae.config.latentChannels(), latent);
				Step r;
				try {
					r = step(scope, image, rgb, alpha, composite, s, d, objective, nanos);
				}
				catch (NonFiniteException e) {
					throw e.at(what, i + 1, n);
				}
				losses[i] = r.loss();
				float[] means = r.alpha().reshape(p, -1).mean(new int[] { 1 }).toFloatArray();
				for (int c = 0; c < p; c++) mean[c] = means[c];
				// one reduction each: a NaN or infinity anywhere makes the mean (or the maximum) non-finite
				if (!NonFiniteException.isFinite(means)) throw new NonFiniteException(what, "alpha", i + 1, n,
					NON_FINITE_HINT);
				if (r.rgb() != null && !NonFiniteException.isFinite(r.rgb())) throw new NonFiniteException(what,
					"learnt RGB image", i + 1, n, NON_FINITE_HINT);
				if (!Double.isFinite(r.loss())) throw new NonFiniteException(what, "loss", i + 1, n, NON_FINITE_HINT);
				if (s.timelapseEvery() > 0 && i % s.timelapseEvery() == 0) snapshot.take(i, r.alpha(), r.rgb());
				try {
					Sgd.step(parameters, s.learningRate());
				}
				catch (NonFiniteException e) {
					throw e.at(what, i + 1, n);
				}
			}
			nanos[Timings.OTHER] = System.nanoTime() - start - nanos[Timings.PARAMETRISATION] - nanos[Timings.VAE] -
				nanos[Timings.UNET];
			timings.add(nanos);
			progress.progress("iteration", i + 1, n);
		}
		cancel.check();
		try (NDManager scope = m.newSubManager()) {
			NDArray a = attached(alpha.alpha(), scope);
			NDArray x = rgb == null ? null : attached(rgb.image(), scope);
			if (!NonFiniteException.isFinite(a)) throw new NonFiniteException(what, "final alpha", n, n, NON_FINITE_HINT);
			if (x != null && !NonFiniteException.isFinite(x)) throw new NonFiniteException(what, "final RGB image", n, n,
				NON_FINITE_HINT);
			snapshot.take(n, a, x);
		}
		return new Run(losses, meanAlpha, timings);
	}

	/** The iteration's draws: backgrounds, timesteps, noise, then the posterior sample's noise (if sampling). */
	static Draws draw(NDManager m, SplittableRandom random, PeekabooSettings s, int rows, int channels, int latent) {
		float[] colours = new float[rows * 3];
		for (int k = 0; k < colours.length; k++) colours[k] = (float) random.nextDouble();
		long[] ts = new long[rows];
		for (int k = 0; k < rows; k++) ts[k] = s.minTimestep() + random.nextInt(s.maxTimestep() - s.minTimestep() + 1);
		Shape shape = new Shape(rows, channels, latent, latent);
		NDArray noise = m.create(ParameterInit.gaussian(random, Math.toIntExact(shape.size()), 1), shape);
		NDArray posteriorNoise = s.sampleLatents() ?
			m.create(ParameterInit.gaussian(random, Math.toIntExact(shape.size()), 1), shape) : null;
		return new Draws(colours, ts, noise, posteriorNoise);
	}

	/**
	 * The forward and backward of one iteration, without the update (paper §3): composites α·x + (1−α)·b of the
	 * image (or the learnt RGB) over the drawn solid backgrounds, resized to the composite size; the objective's
	 * gradient at the composites; then one backward of sum(composites · gradient) + gravity·Σα into the parameters,
	 * where the gradients accumulate. Returns the loss (objective value + gravity term) and the alpha used (detached).
	 *
	 * @param image [3, S, S] in [0, 1], or null when {@code rgb} is learnt
	 * @param nanos time sink indexed by {@link Timings#PARTS}
	 */
	static Step step(NDManager scope, NDArray image, LearnableRgbImage rgb, AlphaRepresentation alpha,
		int compositeSize, PeekabooSettings s, Draws d, CompositeObjective objective, long[] nanos)
	{
		try (GradientCollector gc = Engine.getEngine(scope.getEngine().getEngineName()).newGradientCollector()) {
			// The parametrisation's graph (at 256 px hundreds of MB: the Fourier MLP's per-pixel activations, the blur's
			// iterations) would be alive while the VAE and UNet run, and the two peaks would add up. So its forward runs
			// twice: without a graph for the composites the objective sees, then with one for the backward.
			long t0 = System.nanoTime();
			NDArray aValue, xValue;
			try (InPlace.Restore r = InPlace.autogradOff()) {
				aValue = attached(alpha.alpha(), scope);
				xValue = rgb == null ? image : attached(rgb.image(), scope);
			}
			long t1 = System.nanoTime();
			CompositeObjective.Value v = objective.evaluate(gc, composites(aValue, xValue, compositeSize, s, d, scope), d,
				nanos);
			long t2 = System.nanoTime();
			NDArray a = attached(alpha.alpha(), scope);
			NDArray x = rgb == null ? image : attached(rgb.image(), scope);
			NDArray gravity = Scalars.times(a.sum(), s.gravity());
			NDArray total = composites(a, x, compositeSize, s, d, scope).mul(v.gradient()).sum().add(gravity);
			double loss = v.value() + gravity.getFloat();
			gc.backward(total);
			nanos[Timings.PARAMETRISATION] += (t1 - t0) + (System.nanoTime() - t2);
			return new Step(loss, aValue, rgb == null ? null : xValue);
		}
	}

	/**
	 * Composites α·x + (1−α)·b of the image (or learnt RGB) {@code x} over the drawn solid backgrounds, one row per
	 * prompt and background, resized to the composite size.
	 */
	private static NDArray composites(NDArray a, NDArray x, int compositeSize, PeekabooSettings s, Draws d,
		NDManager scope)
	{
		int rows = Math.toIntExact(a.getShape().get(0) * s.batchSize());
		NDArray background = scope.create(d.backgrounds(), new Shape(rows, 3, 1, 1));
		NDArray alphas = a.repeat(0, s.batchSize()).expandDims(1); // [rows, 1, S, S], prompt-major
		// per-iteration arrays first: an op's result goes to its first operand's manager, and x may be the run's
		NDArray composites = alphas.mul(x).add(alphas.neg().add(1).mul(background));
		return SquareRegion.resize(composites, compositeSize, compositeSize);
	}

	/** The prompts' score-distillation objective: text states once per run, in {@code m}. */
	private CompositeObjective scoreDistillation(NDManager m, List<String> prompts, PeekabooSettings s) {
		NDArray uncond = sd.encodeText(m, List.of(""));
		NDArray cond = sd.encodeText(m, prompts).repeat(0, s.batchSize());
		return scoreDistillation(uncond, cond, s);
	}

	/**
	 * Score distillation as a function of the composites (paper §3.1): encode 2x − 1 with the VAE; latents = the
	 * posterior mean, or a sample with the drawn noise, times the scaling factor; the UNet's guided noise prediction at
	 * the drawn timesteps gives the latent gradient w(t)(ε̂ − ε) ({@link ScoreDistillation}); the VAE encoder's
	 * vector-Jacobian product carries it back to the composites. The value is sum(latents · latent gradient).
	 *
	 * @param cond text states, one row per composite
	 */
	CompositeObjective scoreDistillation(NDArray uncond, NDArray cond, PeekabooSettings s) {
		return (gc, composites, d, nanos) -> {
			NDManager scope = composites.getManager();
			long t0 = System.nanoTime();
			NDArray input = composites.mul(2).sub(1).toType(sd.dtype, false);
			// the posterior's mean and log-variance are the leaves; the encoder's high-resolution stages are recomputed
			// for the vector-Jacobian product (or none, without checkpointing), the others keep their graph
			AutoencoderKL.Checkpoints c = checkpointing ? sd.vae.encodeForBackward(input)
				: sd.vae.encodeForBackward(input, 0);
			NDArray mean = leaf(c.posterior().mean(), scope);
			NDArray logvar = d.posteriorNoise() == null ? null : leaf(c.posterior().logvar(), scope);
			NDArray latents = latents(new AutoencoderKL.Posterior(mean, logvar), d.posteriorNoise());
			long t1 = System.nanoTime();
			NDArray grad = distillation.gradient(latents, d.noise(), d.timesteps(), uncond, cond, s.guidance());
			long unet = System.nanoTime() - t1;
			NDArray surrogate = latents.mul(grad).sum();
			double value = surrogate.getFloat();
			checkObjective(latents, grad, value);
			gc.backward(surrogate);
			NDArray gradInput = sd.vae.vectorJacobian(gc, c, mean.getGradient(), logvar == null ? null
				: logvar.getGradient());
			// d/d(composites) = 2 d/d(2x - 1)
			NDArray gradient = gradInput.toType(DataType.FLOAT32, false).mul(2);
			NonFiniteException.check(gradient, "Peekaboo", "VAE encoder's gradient (the score distillation gradient " +
				"carried back to the composites)", NON_FINITE_HINT);
			nanos[Timings.UNET] += unet;
			nanos[Timings.VAE] += System.nanoTime() - t0 - unet;
			return new CompositeObjective.Value(value, gradient);
		};
	}

	/**
	 * The objective's value sum(latents · gradient) is finite exactly when both are (barring overflow): one check of a
	 * number already on the host; only when it fails are the two arrays inspected, to name the stage.
	 */
	private static void checkObjective(NDArray latents, NDArray grad, double value) {
		if (Double.isFinite(value)) return;
		String stage = !NonFiniteException.isFinite(latents) ? "VAE encoder's latents" : !NonFiniteException.isFinite(
			grad) ? "score distillation gradient (UNet noise prediction)" : "score distillation objective";
		throw new NonFiniteException("Peekaboo", stage, NON_FINITE_HINT);
	}

	/** {@code x} (the current alpha or learnt image), moved into {@code scope} to be freed with it. */
	private static NDArray attached(NDArray x, NDManager scope) {
		x.attach(scope);
		return x;
	}

	/** A fresh leaf that receives a gradient: the value of {@code x}, detached, in {@code scope}. */
	private static NDArray leaf(NDArray x, NDManager scope) {
		NDArray leaf = x.stopGradient();
		leaf.attach(scope);
		leaf.setRequiresGradient(true);
		return leaf;
	}

	/** Scaled float32 latents: the posterior mean, or mean + std · noise when sampling (the authors' choice). */
	private NDArray latents(AutoencoderKL.Posterior p, NDArray posteriorNoise) {
		NDArray z = posteriorNoise == null ? p.mean() : p.sample(posteriorNoise.toType(sd.dtype, false));
		return Scalars.times(z.toType(DataType.FLOAT32, false), sd.vae.scalingFactor());
	}

	static byte[] threshold(float[] alpha, float threshold) {
		byte[] mask = new byte[alpha.length];
		for (int i = 0; i < alpha.length; i++) mask[i] = alpha[i] > threshold ? (byte) 255 : 0;
		return mask;
	}

	private static int[] ints(List<Integer> values) {
		return values.stream().mapToInt(Integer::intValue).toArray();
	}

	/** Refuses empty prompts; returns a warning for each prompt the tokenizer truncates. */
	private List<String> checkPrompts(List<String> prompts) {
		if (prompts == null || prompts.isEmpty()) throw new IllegalArgumentException("give at least one prompt.");
		List<String> warnings = new ArrayList<>();
		for (String prompt : prompts) {
			if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("a prompt is empty: describe " +
				"what to segment, e.g. \"a cat\".");
			ClipTokenizer.Encoding e = sd.tokenizer.encode(prompt);
			if (e.truncated()) warnings.add("the prompt \"" + prompt + "\" has " + e.textTokenCount() + " tokens; only " +
				"the first " + (sd.tokenizer.maxLength() - 2) + " are used: shorten it to keep the rest.");
		}
		return List.copyOf(warnings);
	}

	private static void checkGuide(float[][] guide, RgbPlanes image) {
		if (guide == null) return;
		if (guide.length == 0) throw new IllegalArgumentException("the guide image has no channels: give one with at " +
			"least one channel (e.g. a depth map).");
		int pixels = image.width() * image.height();
		for (float[] plane : guide)
			if (plane.length != pixels) throw new IllegalArgumentException("the guide image has " + plane.length +
				" pixels per channel but the image is " + image.width() + "x" + image.height() + " (" + pixels + " pixels):" +
				" give a guide of the image's size.");
	}

	/** The guide planes as [C, H, W]. */
	private static NDArray guideArray(NDManager m, float[][] guide, RgbPlanes image) {
		int pixels = image.width() * image.height();
		float[] flat = new float[guide.length * pixels];
		for (int c = 0; c < guide.length; c++) System.arraycopy(guide[c], 0, flat, c * pixels, pixels);
		return m.create(flat, new Shape(guide.length, image.height(), image.width()));
	}
}
