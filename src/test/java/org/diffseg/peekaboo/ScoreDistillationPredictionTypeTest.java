package org.diffseg.peekaboo;

import static org.diffseg.sd.Reference.assertClose;
import static org.diffseg.sd.Reference.load;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;

import org.diffseg.sd.Reference;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Score distillation honours the checkpoint's prediction type. tiny-sd-a read as a v (or x0) model has the same UNet,
 * so the reference's guided output, now a v̂ (or x̂0), must be converted to noise before w(t)(ε̂ - ε):
 * ε̂ = sqrt(ᾱ) v̂ + sqrt(1-ᾱ) x_t, or ε̂ = (x_t - sqrt(ᾱ) x̂0) / sqrt(1-ᾱ).
 */
class ScoreDistillationPredictionTypeTest {
	private static final String F = "peekaboo_sds.safetensors";

	@TempDir
	Path dir;

	@ParameterizedTest
	@ValueSource(strings = { "epsilon", "v_prediction", "sample" })
	void latentGradientIsWeightedEpsilonError(String type) throws Exception {
		Path model = type.equals("epsilon") ? Reference.TINY_SD : Reference.tinyModelPredicting(dir, type);
		float[] cfg, noisy, noise, expected;
		long t;
		try (SafeTensors f = SafeTensors.open(Reference.REF.resolve(F))) {
			cfg = f.readFloats("noise_pred_cfg");
			noisy = f.readFloats("latents_noisy");
			noise = f.readFloats("noise");
			t = f.readLongs("timestep")[0];
		}
		try (StableDiffusion sd = StableDiffusion.load(model, Device.cpu(), DataType.FLOAT32);
			NDManager m = NDManager.newBaseManager())
		{
			float a = sd.noiseSchedule.alphaCumprod((int) t), sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1 - a);
			expected = new float[cfg.length];
			for (int i = 0; i < cfg.length; i++) {
				float eps = switch (type) {
					case "v_prediction" -> sa * cfg[i] + sb * noisy[i];
					case "sample" -> (noisy[i] - sa * cfg[i]) / sb;
					default -> cfg[i];
				};
				expected[i] = (1 - a) * (eps - noise[i]);
			}
			NDArray context = load(m, F, "encoder_hidden_states");
			NDArray grad = new ScoreDistillation(sd).gradient(load(m, F, "latents"), load(m, F, "noise"), new long[] { t },
				context.get("0:1"), context.get("1:2"), 100f);
			NDArray want = m.create(expected, grad.getShape());
			assertClose(grad, want, 1e-3, type + " latent gradient");
			// the optional clamp (off by default) bounds each element and leaves smaller ones as they are
			float limit = grad.abs().max().getFloat() / 4;
			NDArray clamped = new ScoreDistillation(sd).clamp(limit).gradient(load(m, F, "latents"), load(m, F, "noise"),
				new long[] { t }, context.get("0:1"), context.get("1:2"), 100f);
			assertClose(clamped, grad.clip(-limit, limit), 1e-6, type + " clamped gradient");
			if (!type.equals("epsilon")) {
				// treating the output as ε (the bug this guards against) gives a clearly different gradient
				NDArray asIfEpsilon = load(m, F, "grad_latents");
				assertTrue(Reference.relativeError(grad, asIfEpsilon) > 1e-2, "the " + type + " output was used as ε");
			}
		}
	}
}
