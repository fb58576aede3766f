package org.diffseg.peekaboo;

/**
 * Settings of a Peekaboo run; {@link #defaults()} are the authors' code (see DESIGN.md).
 *
 * @param representation alpha parametrisation: raster, raster bilateral, fourier, fourier bilateral (default),
 * guided bilateral
 * @param size alpha resolution (square), 256
 * @param compositeSize side of the composites given to the VAE; 0 (default) = the UNet's sample size in pixels (512 for
 * SD 1.x, as in the authors' code); other values serve benchmarks and small-memory runs
 * @param iterations optimisation steps, 300
 * @param learningRate SGD learning rate, 1e-5
 * @param gravity weight of the alpha regulariser (sum of alpha), 0.05
 * @param guidance classifier-free guidance of the score distillation, 100
 * @param minTimestep lowest diffusion timestep drawn, 20
 * @param maxTimestep highest diffusion timestep drawn, 980
 * @param bilateral bilateral proxy blur: kernel 3, sigma 5, tolerance 0.08, 40 iterations
 * @param square how a non-square image becomes square: "crop" (centre) or "scale"
 * @param batchSize composites (random backgrounds) per prompt and iteration, 1
 * @param threshold binary mask threshold on alpha, 0.5
 * @param sampleLatents encode with a posterior sample as the authors' code does (true) or with its mean (false)
 * @param timelapseEvery keep the alpha after every k-th update, and the initial and final ones (0: no timelapse)
 * @param seed all randomness (initialisation, backgrounds, timesteps, noise)
 */
public record PeekabooSettings(String representation, int size, int compositeSize, int iterations, float learningRate,
	float gravity, float guidance, int minTimestep, int maxTimestep, BilateralProxyBlur.Settings bilateral, String square,
	int batchSize, float threshold, boolean sampleLatents, int timelapseEvery, long seed)
{
	public PeekabooSettings {
		AlphaRepresentation.Kind.fromName(representation);
		if (size < 8) throw new IllegalArgumentException("size must be at least 8 pixels, got " + size);
		if (compositeSize < 0) throw new IllegalArgumentException("composite size must be 0 (the model's) or positive, " +
			"got " + compositeSize);
		if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
		if (!(learningRate > 0)) throw new IllegalArgumentException("the learning rate must be positive");
		if (gravity < 0) throw new IllegalArgumentException("gravity must not be negative");
		if (minTimestep < 0 || maxTimestep < minTimestep) throw new IllegalArgumentException("timestep range [" +
			minTimestep + ", " + maxTimestep + "] is not valid");
		if (!square.equals("crop") && !square.equals("scale")) throw new IllegalArgumentException("square method '" +
			square + "' is unknown: use crop or scale");
		if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1");
		if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in [0, 1]");
		if (timelapseEvery < 0) throw new IllegalArgumentException("timelapse interval must not be negative");
	}

	public static PeekabooSettings defaults() {
		return new PeekabooSettings("fourier bilateral", 256, 0, 300, 1e-5f, 0.05f, 100f,
			20, 980, BilateralProxyBlur.Settings.DEFAULTS, "crop", 1, 0.5f, true, 10, 0);
	}

	public PeekabooSettings withRepresentation(String r) {
		return new PeekabooSettings(r, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withSize(int s) {
		return new PeekabooSettings(representation, s, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withCompositeSize(int c) {
		return new PeekabooSettings(representation, size, c, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withIterations(int n) {
		return new PeekabooSettings(representation, size, compositeSize, n, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withGravity(float g) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, g, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withGuidance(float g) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, g,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withSquare(String method) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, method, batchSize, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withBatchSize(int b) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, b, threshold, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withThreshold(float t) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, t, sampleLatents, timelapseEvery, seed);
	}

	public PeekabooSettings withSampleLatents(boolean sample) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sample, timelapseEvery, seed);
	}

	public PeekabooSettings withTimelapseEvery(int k) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, k, seed);
	}

	public PeekabooSettings withSeed(long s) {
		return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
			minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, s);
	}
}
