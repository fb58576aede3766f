package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.diffseg.sd.StableDiffusion;

/**
 * Score distillation (DreamFusion, Peekaboo §3.1): noise the latents at timestep t, let the UNet predict the noise with
 * classifier-free guidance (no gradient through the UNet), and return the latent gradient w(t) (ε̂ - ε) with
 * w(t) = 1 - ᾱ_t. The caller injects it by back-propagating sum(latents · gradient).
 * <p>
 * ε̂ is the guided prediction converted to noise by the checkpoint's {@code prediction_type}: for a v-prediction model
 * (SD 2.x 768) ε̂ = sqrt(ᾱ_t) v̂ + sqrt(1 - ᾱ_t) x_t, for a sample (x0) model ε̂ = (x_t - sqrt(ᾱ_t) x̂0) / sqrt(1 - ᾱ_t),
 * x_t being the noisy latents the UNet saw. Treating v as ε would distil a different, wrong score.
 */
public final class ScoreDistillation {
	private final StableDiffusion sd;
	private float clamp;

	public ScoreDistillation(StableDiffusion sd) {
		this.sd = sd;
	}

	/**
	 * Clamps every element of the latent gradient to [-limit, limit]; 0 (the default) clamps nothing. The authors'
	 * code (built on Stable-DreamFusion's, which keeps this clamp as a commented-out option "for stable training")
	 * uses no clamp, and with a trained Stable Diffusion the default stays faithful to it. Random or tiny models
	 * predict noise far off the unit scale, and guidance 100 multiplies that: a clamp keeps their updates bounded.
	 *
	 * @return this
	 */
	public ScoreDistillation clamp(float limit) {
		if (!(limit >= 0) || Float.isInfinite(limit)) throw new IllegalArgumentException("the gradient clamp must be " +
			"0 (off) or a positive number, not " + limit);
		clamp = limit;
		return this;
	}

	/**
	 * @param latents scaled latents [B, 4, h, w] (detached here)
	 * @param noise ε [B, 4, h, w]
	 * @param timesteps one per row
	 * @param uncond unconditional text states [1, 77, D]
	 * @param cond conditional text states, one row per latent [B, 77, D]
	 * @return the latent gradient [B, 4, h, w], detached, in {@code latents}' manager
	 */
	public NDArray gradient(NDArray latents, NDArray noise, long[] timesteps, NDArray uncond, NDArray cond,
		float guidance)
	{
		NDManager caller = latents.getManager();
		try (NDManager scope = caller.newSubManager()) {
			NDArray z = latents.stopGradient();
			z.attach(scope);
			long b = z.getShape().get(0);
			NDArray noisy = sd.noiseSchedule.addNoise(z, noise, timesteps);
			float[] t = new float[(int) (2 * b)];
			float[] w = new float[(int) b], alpha = new float[(int) b], sigma = new float[(int) b];
			for (int i = 0; i < b; i++) {
				t[i] = t[(int) (i + b)] = timesteps[i];
				float a = sd.noiseSchedule.alphaCumprod((int) timesteps[i]);
				w[i] = 1 - a;
				alpha[i] = (float) Math.sqrt(a);
				sigma[i] = (float) Math.sqrt(1f - a);
			}
			// uncond and cond live as long as the run: keep what is derived from them in this scope
			NDArray unconds = uncond.repeat(0, b);
			unconds.attach(scope);
			NDArray context = unconds.concat(cond, 0).toType(sd.dtype, false);
			NDArray input = noisy.concat(noisy, 0).toType(sd.dtype, false);
			NDArray pred = sd.unet.forward(input, scope.create(t), context, null, null).toType(DataType.FLOAT32, false);
			NDList halves = pred.split(2, 0);
			NDArray guided = halves.get(0).add(halves.get(1).sub(halves.get(0)).mul(guidance));
			NDArray epsilon = sd.schedulerConfig.prediction().epsilon(guided, noisy.toType(DataType.FLOAT32, false),
				scope.create(alpha).reshape(b, 1, 1, 1), scope.create(sigma).reshape(b, 1, 1, 1));
			NDArray weight = scope.create(w).reshape(b, 1, 1, 1);
			NDArray grad = epsilon.sub(noise).mul(weight);
			if (clamp > 0) grad = grad.clip(-clamp, clamp);
			grad.attach(caller);
			return grad;
		}
	}
}
