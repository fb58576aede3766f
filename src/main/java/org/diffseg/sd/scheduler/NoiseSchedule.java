package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * The DDPM forward process of a checkpoint: {@code betas} and {@code alphas_cumprod} (ᾱ_t) over the training
 * timesteps, in float32 as diffusers builds them with torch, and {@code add_noise}
 * {@code x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) ε}. Immutable.
 */
public final class NoiseSchedule {
	private final float[] betas;
	private final float[] alphasCumprod;

	/** Builds the schedule a {@code scheduler_config.json} describes. */
	public NoiseSchedule(SchedulerConfig config) {
		int n = config.numTrainTimesteps();
		if (config.trainedBetas() != null) betas = config.trainedBetas();
		else if (config.betaSchedule().equals("linear")) betas = linspaceFloat32(config.betaStart(), config.betaEnd(), n);
		else if (config.betaSchedule().equals("scaled_linear")) {
			// latent diffusion: linspace of the square roots, squared (float32 tensor ** 2)
			betas = linspaceFloat32(Math.sqrt(config.betaStart()), Math.sqrt(config.betaEnd()), n);
			for (int i = 0; i < n; i++) betas[i] = betas[i] * betas[i];
		}
		else throw new IllegalArgumentException("beta_schedule '" + config.betaSchedule() + "' is not supported");
		alphasCumprod = new float[n];
		// torch's CPU cumprod accumulates float32 inputs in double and rounds each partial product
		double product = 1;
		for (int i = 0; i < n; i++) {
			product *= 1f - betas[i];
			alphasCumprod[i] = (float) product;
		}
	}

	/**
	 * {@code torch.linspace(start, end, n, dtype=float32)}: the endpoints are rounded to float32 first. torch's
	 * vectorised kernel rounds intermediate sums differently per CPU; computing each value in double and rounding
	 * once stays within 1 ulp of every variant.
	 */
	private static float[] linspaceFloat32(double start, double end, int n) {
		float s = (float) start;
		float e = (float) end;
		float[] out = new float[n];
		for (int i = 0; i < n; i++) out[i] = n == 1 ? s : (float) (s + ((double) e - s) * i / (n - 1));
		return out;
	}

	public int numTrainTimesteps() {
		return betas.length;
	}

	public float[] betas() {
		return betas.clone();
	}

	public float[] alphasCumprod() {
		return alphasCumprod.clone();
	}

	/** ᾱ_t for a training timestep t in [0, numTrainTimesteps). */
	public float alphaCumprod(int t) {
		if (t < 0 || t >= alphasCumprod.length) throw new IllegalArgumentException("timestep " + t +
			" is outside the training schedule 0.." + (alphasCumprod.length - 1));
		return alphasCumprod[t];
	}

	/** {@code sqrt(ᾱ_t)} in float32, as torch computes {@code alphas_cumprod[t] ** 0.5}. */
	float sqrtAlphaCumprod(int t) {
		return (float) Math.sqrt(alphaCumprod(t));
	}

	/** {@code sqrt(1 - ᾱ_t)} in float32, as torch computes {@code (1 - alphas_cumprod[t]) ** 0.5}. */
	float sqrtOneMinusAlphaCumprod(int t) {
		return (float) Math.sqrt(1f - alphaCumprod(t));
	}

	/**
	 * diffusers' {@code add_noise}: {@code sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) noise}, broadcast. With one timestep it
	 * applies to the whole batch; with several, timestep i scales batch row i (a batch of 1 in x0 and noise is
	 * broadcast to one row per timestep, as in torch).
	 *
	 * @return a new array in {@code x0}'s manager, owned by the caller
	 */
	public NDArray addNoise(NDArray x0, NDArray noise, long[] timesteps) {
		if (timesteps.length == 0) throw new IllegalArgumentException("addNoise needs at least one timestep");
		long batch = x0.getShape().dimension() == 0 ? 1 : x0.getShape().get(0);
		if (timesteps.length > 1 && batch != 1 && batch != timesteps.length) throw new IllegalArgumentException(
			"addNoise got " + timesteps.length + " timesteps for a batch of " + batch + "; give one timestep, one" +
			" per batch row, or a batch of 1");
		float[] a = new float[timesteps.length];
		float[] b = new float[timesteps.length];
		for (int i = 0; i < timesteps.length; i++) {
			int t = Math.toIntExact(timesteps[i]);
			a[i] = sqrtAlphaCumprod(t);
			b[i] = sqrtOneMinusAlphaCumprod(t);
		}
		// coefficients as [T, 1, 1, ...] so that they multiply batch rows
		long[] dims = new long[Math.max(1, x0.getShape().dimension())];
		Arrays.fill(dims, 1);
		dims[0] = timesteps.length;
		NDManager manager = x0.getManager();
		NDArray result;
		try (NDScope scope = new NDScope()) {
			scope.suppressNotUsedWarning();
			// engine-owned copies (toType with copy): autograd keeps the coefficients when x0 or noise needs a gradient,
			// and an array made from Java data borrows a direct buffer freed once the scope closes it
			NDArray ca = manager.create(a, new Shape(dims)).toType(x0.getDataType(), true);
			NDArray cb = manager.create(b, new Shape(dims)).toType(noise.getDataType(), true);
			result = ca.mul(x0).add(cb.mul(noise));
			NDScope.unregister(result);
		}
		NDScope.register(result);
		return result;
	}
}
