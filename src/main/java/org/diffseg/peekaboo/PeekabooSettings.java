package org.diffseg.peekaboo;

/**
 * Settings of a Peekaboo run; {@link #defaults()} are the authors' code (see DESIGN.md). Build them with
 * {@link #builder()}, whose fields hold the defaults.
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

	/** The authors' settings: a builder's defaults. */
	public static PeekabooSettings defaults() {
		return builder().build();
	}

	/** A builder starting at the defaults, which live in its fields and nowhere else. */
	public static Builder builder() {
		return new Builder();
	}

	/** A builder starting at these settings. */
	public Builder toBuilder() {
		Builder b = new Builder();
		b.representation = representation;
		b.size = size;
		b.compositeSize = compositeSize;
		b.iterations = iterations;
		b.learningRate = learningRate;
		b.gravity = gravity;
		b.guidance = guidance;
		b.minTimestep = minTimestep;
		b.maxTimestep = maxTimestep;
		b.bilateral = bilateral;
		b.square = square;
		b.batchSize = batchSize;
		b.threshold = threshold;
		b.sampleLatents = sampleLatents;
		b.timelapseEvery = timelapseEvery;
		b.seed = seed;
		return b;
	}

	public PeekabooSettings withRepresentation(String r) {
		return toBuilder().representation(r).build();
	}

	public PeekabooSettings withSize(int s) {
		return toBuilder().size(s).build();
	}

	public PeekabooSettings withCompositeSize(int c) {
		return toBuilder().compositeSize(c).build();
	}

	public PeekabooSettings withIterations(int n) {
		return toBuilder().iterations(n).build();
	}

	public PeekabooSettings withGravity(float g) {
		return toBuilder().gravity(g).build();
	}

	public PeekabooSettings withGuidance(float g) {
		return toBuilder().guidance(g).build();
	}

	public PeekabooSettings withSquare(String method) {
		return toBuilder().square(method).build();
	}

	public PeekabooSettings withBatchSize(int b) {
		return toBuilder().batchSize(b).build();
	}

	public PeekabooSettings withThreshold(float t) {
		return toBuilder().threshold(t).build();
	}

	public PeekabooSettings withSampleLatents(boolean sample) {
		return toBuilder().sampleLatents(sample).build();
	}

	public PeekabooSettings withTimelapseEvery(int k) {
		return toBuilder().timelapseEvery(k).build();
	}

	public PeekabooSettings withSeed(long s) {
		return toBuilder().seed(s).build();
	}

	/** Builds {@link PeekabooSettings}; each setter's default is the authors' value. */
	public static final class Builder {
		private String representation = "fourier bilateral";
		private int size = 256;
		private int compositeSize = 0;
		private int iterations = 300;
		private float learningRate = 1e-5f;
		private float gravity = 0.05f;
		private float guidance = 100f;
		private int minTimestep = 20;
		private int maxTimestep = 980;
		private BilateralProxyBlur.Settings bilateral = BilateralProxyBlur.Settings.DEFAULTS;
		private String square = "crop";
		private int batchSize = 1;
		private float threshold = 0.5f;
		private boolean sampleLatents = true;
		private int timelapseEvery = 10;
		private long seed = 0;

		private Builder() {}

		public Builder representation(String value) {
			representation = value;
			return this;
		}

		public Builder size(int value) {
			size = value;
			return this;
		}

		public Builder compositeSize(int value) {
			compositeSize = value;
			return this;
		}

		public Builder iterations(int value) {
			iterations = value;
			return this;
		}

		public Builder learningRate(float value) {
			learningRate = value;
			return this;
		}

		public Builder gravity(float value) {
			gravity = value;
			return this;
		}

		public Builder guidance(float value) {
			guidance = value;
			return this;
		}

		public Builder minTimestep(int value) {
			minTimestep = value;
			return this;
		}

		public Builder maxTimestep(int value) {
			maxTimestep = value;
			return this;
		}

		public Builder bilateral(BilateralProxyBlur.Settings value) {
			bilateral = value;
			return this;
		}

		public Builder square(String value) {
			square = value;
			return this;
		}

		public Builder batchSize(int value) {
			batchSize = value;
			return this;
		}

		public Builder threshold(float value) {
			threshold = value;
			return this;
		}

		public Builder sampleLatents(boolean value) {
			sampleLatents = value;
			return this;
		}

		public Builder timelapseEvery(int value) {
			timelapseEvery = value;
			return this;
		}

		public Builder seed(long value) {
			seed = value;
			return this;
		}

		/** @throws IllegalArgumentException naming the setting when a value is out of range */
		public PeekabooSettings build() {
			return new PeekabooSettings(representation, size, compositeSize, iterations, learningRate, gravity, guidance,
				minTimestep, maxTimestep, bilateral, square, batchSize, threshold, sampleLatents, timelapseEvery, seed);
		}
	}
}
