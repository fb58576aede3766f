package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * diffusers' {@code PNDMScheduler} (v0.31) with {@code skip_prk_steps} as in every Stable Diffusion config: the
 * pseudo linear multistep (PLMS) sampler of Liu et al. 2022 in crowsonkb's form. Each step moves from t to
 * t - N/n with the DDIM-equivalent transfer {@code _get_prev_sample} applied to an Adams–Bashforth combination of
 * the last up to four ε predictions: e, (3e₀ - e₁)/2, (23e₀ - 16e₁ + 5e₂)/12, (55e₀ - 59e₁ + 37e₂ - 9e₃)/24.
 * <p>
 * The warm-up quirk, kept as diffusers has it: the second timestep is listed twice (n + 1 model calls). Step 0
 * takes a plain first-order step t₀ → t₁ and remembers x_{t₀}; step 1, at the repeated t₁, redoes t₀ → t₁ from
 * the remembered x_{t₀} with the mean of both predictions (a Heun step) and does not add its prediction to the
 * history; from step 2 on the history grows to four. With {@code v_prediction} the combination is of v's,
 * converted to ε afterwards with the current sample, exactly as diffusers does (so only a first step equals the ε
 * step on converted ε). diffusers' PNDM refuses {@code sample}; here each x0 prediction is converted to ε at its own
 * sample and timestep (ε = (x - sqrt(ᾱ) x0) / sqrt(1-ᾱ), as DDIM converts) before it joins the history, so an x0
 * model walks the trajectory of the equivalent ε model. The history lives in native memory, freed by
 * {@link #reset()}/{@link #close()}.
 */
public final class PndmScheduler extends SpacedScheduler {
	private static final int PNDM_ORDER = 4;
	private final float finalAlphaCumprod;
	private int numInferenceSteps;
	/** diffusers' counter: steps taken since setTimesteps/reset. */
	private int counter;
	/** diffusers' ets: the recent model outputs, newest last. */
	private final Deque<NDArray> ets = new ArrayDeque<>();
	/** x_{t₀} remembered by step 0 for the Heun redo at step 1. */
	private NDArray curSample;
	private final History history = new History();

	public PndmScheduler(SchedulerConfig config) {
		super("PNDM", supported(config), TimestepSpacing.LEADING);
		finalAlphaCumprod = Boolean.TRUE.equals(config.setAlphaToOne()) ? 1f : schedule.alphaCumprod(0);
	}

	/** Refuses the options this sampler does not implement, before anything is built. */
	private static SchedulerConfig supported(SchedulerConfig config) {
		if (!Boolean.TRUE.equals(config.skipPrkSteps())) throw new IllegalArgumentException("scheduler_config.json" +
			" does not set \"skip_prk_steps\": true; DiffSeg's PNDM implements only the PLMS sampler that Stable" +
			" Diffusion configs select with it, not the Runge-Kutta warm-up; set the key to true or use ddim or dpm++");
		return config;
	}

	@Override
	public long[] setTimesteps(int steps) {
		TimestepSpacing.checkSteps(steps, numTrainTimesteps);
		// diffusers' _timesteps, ascending
		long[] up = switch (spacing) {
			case LINSPACE -> TimestepSpacing.round(TimestepSpacing.linspace(0, numTrainTimesteps - 1, steps));
			case LEADING -> {
				long[] l = new long[steps];
				for (int i = 0; i < steps; i++) l[i] = (long) i * (numTrainTimesteps / steps) + stepsOffset;
				yield l;
			}
			case TRAILING -> {
				long[] r = TimestepSpacing.reverse(TimestepSpacing.round(TimestepSpacing.arange(numTrainTimesteps, 0,
					-(double) numTrainTimesteps / steps)));
				for (int i = 0; i < r.length; i++) r[i] -= 1;
				yield r;
			}
		};
		// plms_timesteps = concat(_timesteps[:-1], _timesteps[-2:-1], _timesteps[-1:]) reversed:
		// descending, with the second timestep repeated
		int n = up.length;
		long[] plms = new long[n == 1 ? 1 : n + 1];
		System.arraycopy(up, 0, plms, 0, n - 1);
		if (n > 1) plms[n - 1] = up[n - 2];
		plms[plms.length - 1] = up[n - 1];
		timesteps = TimestepSpacing.reverse(plms);
		numInferenceSteps = steps;
		reset();
		return timesteps.clone();
	}

	@Override
	public NDArray step(NDArray modelOutput, long timestep, NDArray sample) {
		if (timesteps == null) throw notSet();
		int stride = numTrainTimesteps / numInferenceSteps;
		long t = timestep;
		long prev = timestep - stride;
		NDArray prevSample;
		try (NDScope scope = new NDScope()) {
			scope.suppressNotUsedWarning();
			NDArray output = modelOutput;
			if (prediction == PredictionType.SAMPLE) {
				float a = schedule.alphaCumprod(Math.toIntExact(timestep));
				output = prediction.epsilon(modelOutput, sample, (float) Math.sqrt(a), (float) Math.sqrt(1f - a));
			}
			if (counter != 1) {
				if (ets.size() == PNDM_ORDER) ets.removeFirst().close();
				ets.addLast(history.keep(output.duplicate(), sample));
			}
			else {
				// the Heun redo: from the remembered x_{t₀} at t₀ to this same timestep
				prev = timestep;
				t = timestep + stride;
			}
			NDArray combined;
			NDArray from = sample;
			Iterator<NDArray> newest = ets.descendingIterator();
			if (ets.size() == 1 && counter == 0) {
				combined = output;
				curSample = history.keep(sample.duplicate(), sample);
			}
			else if (ets.size() == 1 && counter == 1) {
				combined = output.add(ets.getLast()).div(2);
				from = curSample;
			}
			else if (ets.size() == 2) {
				NDArray e0 = newest.next();
				NDArray e1 = newest.next();
				combined = e0.mul(3).sub(e1).div(2);
			}
			else if (ets.size() == 3) {
				NDArray e0 = newest.next();
				NDArray e1 = newest.next();
				NDArray e2 = newest.next();
				combined = e0.mul(23).sub(e1.mul(16)).add(e2.mul(5)).div(12);
			}
			else {
				NDArray e0 = newest.next();
				NDArray e1 = newest.next();
				NDArray e2 = newest.next();
				NDArray e3 = newest.next();
				combined = e0.mul(55).sub(e1.mul(59)).add(e2.mul(37)).sub(e3.mul(9)).mul(1f / 24);
			}
			prevSample = prevSample(from, Math.toIntExact(t), prev, combined);
			prevSample.attach(sample.getManager());
			NDScope.unregister(prevSample);
			if (counter == 1) {
				curSample.close();
				curSample = null;
			}
		}
		NDScope.register(prevSample);
		counter++;
		return prevSample;
	}

	/**
	 * diffusers' {@code _get_prev_sample} (PNDM paper eq. 9): x_prev = sqrt(ᾱ_prev/ᾱ_t) x - (ᾱ_prev - ᾱ_t) ε /
	 * (ᾱ_t sqrt(1-ᾱ_prev) + sqrt(ᾱ_t (1-ᾱ_t) ᾱ_prev)), the DDIM step written without x0.
	 */
	private NDArray prevSample(NDArray sample, int t, long prev, NDArray modelOutput) {
		float alphaProdT = schedule.alphaCumprod(t);
		float alphaProdPrev = prev >= 0 ? schedule.alphaCumprod(Math.toIntExact(prev)) : finalAlphaCumprod;
		float betaProdT = 1f - alphaProdT;
		float betaProdPrev = 1f - alphaProdPrev;
		// x0 predictions were converted to ε before the combination
		NDArray epsilon = prediction != PredictionType.V_PREDICTION ? modelOutput : prediction.epsilon(modelOutput,
			sample, (float) Math.sqrt(alphaProdT), (float) Math.sqrt(betaProdT));
		float sampleCoeff = (float) Math.sqrt(alphaProdPrev / alphaProdT);
		float denominator = alphaProdT * (float) Math.sqrt(betaProdPrev) + (float) Math.sqrt(alphaProdT * betaProdT *
			alphaProdPrev);
		return sample.mul(sampleCoeff).sub(epsilon.mul(alphaProdPrev - alphaProdT).div(denominator));
	}

	@Override
	public void reset() {
		counter = 0;
		ets.clear();
		curSample = null;
		history.close();
	}
}
