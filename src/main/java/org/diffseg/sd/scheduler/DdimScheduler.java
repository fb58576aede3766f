package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * diffusers' {@code DDIMScheduler} (v0.31) with η = 0, the deterministic DDIM sampler (Song et al. 2021, eq. 12):
 * x0 = (x_t - sqrt(1-ᾱ_t) ε) / sqrt(ᾱ_t), x_prev = sqrt(ᾱ_prev) x0 + sqrt(1-ᾱ_prev) ε, where prev = t - N/n and
 * ᾱ_prev of a negative timestep is 1 ({@code set_alpha_to_one}, the class default) or ᾱ_0. Predictions are ε,
 * v ({@code v_prediction}: x0 = sqrt(ᾱ) x - sqrt(1-ᾱ) v, ε = sqrt(ᾱ) v + sqrt(1-ᾱ) x) or x0 ({@code sample}:
 * ε = (x - sqrt(ᾱ) x0) / sqrt(1-ᾱ)), converted by {@link PredictionType}. {@code clip_sample}
 * (class default on; SD pipelines turn it off) clamps x0. Stateless between steps.
 */
public final class DdimScheduler extends SpacedScheduler {
	private final float finalAlphaCumprod;
	private final boolean clipSample;
	private final float clipSampleRange;
	private int numInferenceSteps;

	public DdimScheduler(SchedulerConfig config) {
		super("DDIM", supported(config), TimestepSpacing.LEADING);
		boolean alphaToOne = config.setAlphaToOne() == null || config.setAlphaToOne();
		finalAlphaCumprod = alphaToOne ? 1f : schedule.alphaCumprod(0);
		clipSample = config.clipSample() == null || config.clipSample();
		clipSampleRange = (float) config.clipSampleRange();
	}

	/** Refuses the options this sampler does not implement, before anything is built. */
	private static SchedulerConfig supported(SchedulerConfig config) {
		config.requireOption("DDIM", "thresholding", false);
		config.requireOption("DDIM", "rescale_betas_zero_snr", false);
		return config;
	}

	@Override
	public long[] setTimesteps(int steps) {
		TimestepSpacing.checkSteps(steps, numTrainTimesteps);
		long[] t = switch (spacing) {
			case LINSPACE -> TimestepSpacing.reverse(TimestepSpacing.round(TimestepSpacing.linspace(0,
				numTrainTimesteps - 1, steps)));
			case LEADING -> {
				// integer ratio: t_i = i * (N // n) + steps_offset, descending
				long[] l = new long[steps];
				for (int i = 0; i < steps; i++) l[i] = (long) (steps - 1 - i) * (numTrainTimesteps / steps) + stepsOffset;
				yield l;
			}
			case TRAILING -> {
				long[] r = TimestepSpacing.round(TimestepSpacing.arange(numTrainTimesteps, 0,
					-(double) numTrainTimesteps / steps));
				for (int i = 0; i < r.length; i++) r[i] -= 1;
				yield r;
			}
		};
		timesteps = t;
		numInferenceSteps = steps;
		return t.clone();
	}

	@Override
	public NDArray step(NDArray modelOutput, long timestep, NDArray sample) {
		if (timesteps == null) throw notSet();
		int t = Math.toIntExact(timestep);
		int prev = t - numTrainTimesteps / numInferenceSteps;
		// scalars in float32 exactly as diffusers' 0-d tensors
		float alphaProdT = schedule.alphaCumprod(t);
		float alphaProdPrev = prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod;
		float betaProdT = 1f - alphaProdT;
		float sqrtAlpha = (float) Math.sqrt(alphaProdT);
		float sqrtBeta = (float) Math.sqrt(betaProdT);
		NDArray prevSample;
		try (NDScope scope = new NDScope()) {
			scope.suppressNotUsedWarning();
			NDArray x0 = prediction.originalSample(modelOutput, sample, sqrtAlpha, sqrtBeta);
			NDArray epsilon = prediction.epsilon(modelOutput, sample, sqrtAlpha, sqrtBeta);
			if (clipSample) x0 = x0.clip(-clipSampleRange, clipSampleRange);
			// η = 0: no variance term, the direction to x_t has weight sqrt(1 - ᾱ_prev)
			float direction = (float) Math.sqrt(1f - alphaProdPrev);
			prevSample = x0.mul((float) Math.sqrt(alphaProdPrev)).add(epsilon.mul(direction));
			prevSample.attach(sample.getManager());
			NDScope.unregister(prevSample);
		}
		NDScope.register(prevSample);
		return prevSample;
	}

	/** Nothing to forget: DDIM keeps no history. */
	@Override
	public void reset() {
	}
}
