package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * diffusers' {@code DPMSolverMultistepScheduler} (v0.31) as configured by default: DPM-Solver++ (Lu et al. 2022,
 * data prediction), solver order 2 with the midpoint second-order update, final sigma 0. In VP form
 * σ_t = sqrt((1-ᾱ_t)/ᾱ_t) at the chosen timesteps, α = 1/sqrt(1+σ²), σ' = σα, λ = log α - log σ'. Every model
 * output becomes an x0 prediction (ε: x0 = (x - σ' ε)/α; v: x0 = α x - σ' v; sample: the output itself; see
 * {@link PredictionType}). The first step and the last
 * (to σ = 0, which returns that x0) are first order:
 * x_t = (σ'_t/σ'_s) x - α_t (e^{-h} - 1) D0; the others add the multistep correction
 * - ½ α_t (e^{-h} - 1) D1 with D1 = (m0 - m1)/r0, r0 = h_0/h. The previous x0 prediction is kept between steps
 * (native memory, freed by {@link #reset()}/{@link #close()}).
 */
public final class DpmSolverMultistepScheduler extends SpacedScheduler {
	private float[] sigmas;
	/** Index of the next step into {@link #timesteps}; -1 until the first step. */
	private int stepIndex = -1;
	/** How many steps ran so far (diffusers' lower_order_nums, capped at the solver order). */
	private int lowerOrderNums;
	/** The previous step's x0 prediction (diffusers' model_outputs[-2] at the next step), or null. */
	private NDArray previousX0;
	private final History history = new History();

	public DpmSolverMultistepScheduler(SchedulerConfig config) {
		super("DPM-Solver++", supported(config), TimestepSpacing.LINSPACE);
	}

	/** Refuses the options this sampler does not implement, before anything is built. */
	private static SchedulerConfig supported(SchedulerConfig config) {
		String name = "DPM-Solver++";
		// diffusers maps deis to dpmsolver++ and the UniPC/DEIS solver types to midpoint
		config.requireOption(name, "algorithm_type", "dpmsolver++", "deis");
		config.requireOption(name, "solver_order", 2);
		config.requireOption(name, "solver_type", "midpoint", "logrho", "bh1", "bh2");
		config.requireOption(name, "variance_type");
		config.requireOption(name, "final_sigmas_type", "zero");
		config.requireOption(name, "thresholding", false);
		config.requireOption(name, "use_karras_sigmas", false);
		config.requireOption(name, "use_exponential_sigmas", false);
		config.requireOption(name, "use_beta_sigmas", false);
		config.requireOption(name, "use_lu_lambdas", false);
		config.requireOption(name, "rescale_betas_zero_snr", false);
		config.requireOption(name, "lambda_min_clipped", Double.NEGATIVE_INFINITY);
		// lower_order_final and euler_at_final only choose first order for the last step, which sigma 0 forces anyway
		return config;
	}

	@Override
	public long[] setTimesteps(int steps) {
		TimestepSpacing.checkSteps(steps, numTrainTimesteps);
		// lambda_min_clipped = -inf clips nothing: the last usable timestep is N
		int last = numTrainTimesteps;
		long[] t = switch (spacing) {
			case LINSPACE -> dropLast(TimestepSpacing.reverse(TimestepSpacing.round(TimestepSpacing.linspace(0,
				last - 1, steps + 1))));
			case LEADING -> {
				long[] l = new long[steps];
				for (int i = 0; i < steps; i++) l[i] = (long) (steps - i) * (last / (steps + 1)) + stepsOffset;
				yield l;
			}
			case TRAILING -> {
				long[] r = TimestepSpacing.round(TimestepSpacing.arange(last, 0, -(double) numTrainTimesteps / steps));
				for (int i = 0; i < r.length; i++) r[i] -= 1;
				yield r;
			}
		};
		// sigma_t = ((1 - ᾱ) / ᾱ) ** 0.5 in float32 at the (integer) timesteps, then the final sigma 0
		float[] s = new float[t.length + 1];
		for (int i = 0; i < t.length; i++) {
			float a = schedule.alphaCumprod(Math.toIntExact(t[i]));
			s[i] = (float) Math.sqrt((1f - a) / a);
		}
		timesteps = t;
		sigmas = s;
		reset();
		return t.clone();
	}

	private static long[] dropLast(long[] a) {
		return Arrays.copyOf(a, a.length - 1);
	}

	/** The noise levels σ_t of {@link #timesteps()} followed by the final 0 (a copy). */
	public float[] sigmas() {
		if (sigmas == null) throw notSet();
		return sigmas.clone();
	}

	@Override
	public NDArray step(NDArray modelOutput, long timestep, NDArray sample) {
		if (timesteps == null) throw notSet();
		if (stepIndex < 0) stepIndex = indexOf(timestep);
		else if (stepIndex >= timesteps.length) throw new IllegalStateException("all " + timesteps.length +
			" DPM-Solver++ steps are done; call setTimesteps or reset to sample again");
		else if (timesteps[stepIndex] != timestep) throw new IllegalStateException("DPM-Solver++ expected timestep " +
			timesteps[stepIndex] + " (step " + stepIndex + ") but got " + timestep + "; step through timesteps() in order");
		boolean lastStep = stepIndex == timesteps.length - 1;
		NDArray prevSample;
		try (NDScope scope = new NDScope()) {
			scope.suppressNotUsedWarning();
			NDArray x0 = convertModelOutput(modelOutput, sample);
			// diffusers upcasts the sample for the update and casts the result back to the model's type
			NDArray x = sample.toType(DataType.FLOAT32, false);
			if (lowerOrderNums < 1 || lastStep) prevSample = firstOrderUpdate(x0, x);
			else prevSample = secondOrderUpdate(x0, previousX0, x);
			prevSample = prevSample.toType(modelOutput.getDataType(), false);
			prevSample.attach(sample.getManager());
			NDScope.unregister(prevSample);
			keep(x0, sample);
		}
		NDScope.register(prevSample);
		if (lowerOrderNums < 2) lowerOrderNums++;
		stepIndex++;
		return prevSample;
	}

	/**
	 * diffusers' index_for_timestep: the first step starts wherever its timestep is in the schedule; if the
	 * timestep occurs twice, at the second occurrence, so that no sigma is skipped when starting mid-schedule.
	 */
	private int indexOf(long timestep) {
		int first = -1;
		for (int i = 0; i < timesteps.length; i++) {
			if (timesteps[i] != timestep) continue;
			if (first >= 0) return i;
			first = i;
		}
		if (first >= 0) return first;
		throw new IllegalArgumentException("timestep " + timestep + " is not one of the DPM-Solver++ timesteps;" +
			" step through timesteps() in order");
	}

	/** The x0 (data) prediction of DPM-Solver++, from an ε, v or x0 prediction at the current step. */
	private NDArray convertModelOutput(NDArray modelOutput, NDArray sample) {
		float sigma = sigmas[stepIndex];
		float alphaT = alphaOf(sigma);
		float sigmaT = sigma * alphaT;
		NDArray x0 = prediction.originalSample(modelOutput, sample, alphaT, sigmaT);
		// a sample prediction is the output itself, which the caller owns: keep a copy in the history
		return x0 == modelOutput ? modelOutput.duplicate() : x0;
	}

	/** {@code _sigma_to_alpha_sigma_t}: α = 1 / (σ² + 1) ** 0.5 in float32. */
	private static float alphaOf(float sigma) {
		return 1f / (float) Math.sqrt(sigma * sigma + 1f);
	}

	private static float lambda(float sigma) {
		float alpha = alphaOf(sigma);
		return (float) Math.log(alpha) - (float) Math.log(sigma * alpha);
	}

	private NDArray firstOrderUpdate(NDArray x0, NDArray sample) {
		float sigmaNext = sigmas[stepIndex + 1];
		float sigmaCur = sigmas[stepIndex];
		float alphaT = alphaOf(sigmaNext);
		float sigmaT = sigmaNext * alphaT;
		float sigmaS = sigmaCur * alphaOf(sigmaCur);
		float h = lambda(sigmaNext) - lambda(sigmaCur);
		float expM1 = (float) Math.exp(-h) - 1f;
		// to sigma 0: h = inf, e^{-h} = 0, and the result is exactly x0
		return sample.mul(sigmaT / sigmaS).sub(x0.mul(alphaT * expM1));
	}

	private NDArray secondOrderUpdate(NDArray m0, NDArray m1, NDArray sample) {
		float sigmaNext = sigmas[stepIndex + 1];
		float sigmaS0 = sigmas[stepIndex];
		float sigmaS1 = sigmas[stepIndex - 1];
		float alphaT = alphaOf(sigmaNext);
		float sigmaT = sigmaNext * alphaT;
		float sigmaT0 = sigmaS0 * alphaOf(sigmaS0);
		float lambdaT = lambda(sigmaNext);
		float lambdaS0 = lambda(sigmaS0);
		float lambdaS1 = lambda(sigmaS1);
		float h = lambdaT - lambdaS0;
		float h0 = lambdaS0 - lambdaS1;
		float r0 = h0 / h;
		float expM1 = (float) Math.exp(-h) - 1f;
		NDArray d1 = m0.sub(m1).mul(1f / r0);
		return sample.mul(sigmaT / sigmaT0).sub(m0.mul(alphaT * expM1)).sub(d1.mul(0.5f * (alphaT * expM1)));
	}

	/** Keeps this step's x0 prediction for the next step, in the scheduler's own manager. */
	private void keep(NDArray x0, NDArray sample) {
		if (previousX0 != null) previousX0.close();
		previousX0 = history.keep(x0, sample);
	}

	@Override
	public void reset() {
		stepIndex = -1;
		lowerOrderNums = 0;
		previousX0 = null;
		history.close();
	}
}
