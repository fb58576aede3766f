package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.nio.file.Path;

import org.diffseg.sd.AutoencoderKL;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The checkpointed VAE encoder backward gives the plain autograd gradient. */
class VaeCheckpointingTest {
	@RegisterExtension
	static final TinyModel<StableDiffusion> sd = TinyModel.sd();

	static double relative(NDArray actual, NDArray expected) {
		float[] a = actual.toFloatArray(), e = expected.toFloatArray();
		assertEquals(e.length, a.length);
		double diff = 0, max = 0;
		for (int i = 0; i < a.length; i++) {
			if (!Float.isFinite(a[i])) return Double.POSITIVE_INFINITY;
			diff = Math.max(diff, Math.abs(a[i] - e[i]));
			max = Math.max(max, Math.abs(e[i]));
		}
		return diff / max;
	}

	@Test
	void vectorJacobianEqualsFullAutograd() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = m.randomUniform(-1, 1, new Shape(2, 3, 64, 64));
			NDArray gradMean = m.randomNormal(new Shape(2, 4, 8, 8));
			NDArray gradLogvar = m.randomNormal(new Shape(2, 4, 8, 8));
			NDArray leaf = image.duplicate();
			leaf.setRequiresGradient(true);
			NDArray expected, actual, mean, logvar;
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				AutoencoderKL.Posterior p = sd.get().vae.encode(leaf, null);
				mean = p.mean().stopGradient();
				logvar = p.logvar().stopGradient();
				gc.backward(p.mean().mul(gradMean).sum().add(p.logvar().mul(gradLogvar).sum()));
				expected = leaf.getGradient();
				AutoencoderKL.Checkpoints c = sd.get().vae.encodeForBackward(image);
				assertEquals(0, relative(c.posterior().mean(), mean), "posterior mean");
				assertEquals(0, relative(c.posterior().logvar(), logvar), "posterior logvar");
				actual = sd.get().vae.vectorJacobian(gc, c, gradMean, gradLogvar);
			}
			double err = relative(actual, expected);
			assertTrue(err <= 1e-5, "relative error " + err);
		}
	}
}
