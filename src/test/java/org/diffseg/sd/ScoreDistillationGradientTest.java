package org.diffseg.sd;

import static org.diffseg.sd.Reference.assertClose;
import static org.diffseg.sd.Reference.load;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import org.diffseg.sd.nn.DirectMemory;
import org.diffseg.sd.nn.Scalars;
import org.junit.jupiter.api.Test;

/** Gradients flow through the VAE encoder to the alpha logits (reference item: peekaboo_sds). */
class ScoreDistillationGradientTest {
	@org.junit.jupiter.api.RepeatedTest(3)
	void vaeEncoderVectorJacobianProductMatches() throws Exception {
		String f = "peekaboo_sds.safetensors";
		try (NDManager m = NDManager.newBaseManager(); var loaded = Reference.tinyVae(m)) {
			AutoencoderKL vae = loaded.model();
			NDArray image = load(m, f, "image");
			NDArray logits = load(m, f, "alpha_logits");
			NDArray background = load(m, f, "background").reshape(1, 3, 1, 1);
			NDArray gradLatents = load(m, f, "grad_latents");
			logits.setRequiresGradient(true);
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				NDArray alpha = ai.djl.nn.Activation.sigmoid(logits);
				NDArray a = alpha.expandDims(1);
				NDArray composite = image.mul(a).add(background.mul(a.neg().add(1)));
				NDArray latents = Scalars.times(vae.encode(Scalars.affine(composite, 2, -1), null).mean(), vae.scalingFactor());
				assertClose(alpha, load(m, f, "alpha"), 1e-4, "alpha");
				assertClose(composite, load(m, f, "composite"), 1e-4, "composite");
				assertClose(latents, load(m, f, "latents"), 1e-3, "latents");
				NDArray objective = latents.mul(gradLatents).sum().add(Scalars.times(alpha.sum(), 0.05f));
				// constants saved for the backward pass must survive a garbage collection (DJL's mul(Number) does not)
				DirectMemory.churn();
				gc.backward(objective);
			}
			assertClose(logits.getGradient(), load(m, f, "grad_alpha_logits"), 1e-3, "grad_alpha_logits");
		}
	}
}
