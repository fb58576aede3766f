package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.diffseg.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The VAE encoder's backward with any number of leading stages checkpointed (the rest keeping their graph; from none
 * to all, the way Peekaboo used to run it) gives the plain autograd gradient, and the policy checkpoints the
 * high-resolution prefix only.
 */
class VaePartialCheckpointingTest {
	@RegisterExtension
	static final TinyModel<StableDiffusion> tiny = TinyModel.sd();

	@Test
	void everySplitGivesThePlainGradient() {
		StableDiffusion sd = tiny.get();
		int stages = sd.vae.encoderStages();
		assertEquals(16, stages, "tiny-sd-a's VAE has SD's layout: conv_in, 4 x 2 ResNets, 3 downsamplers, " +
			"mid ResNet, attention, ResNet, head");
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = m.randomUniform(-1, 1, new Shape(2, 3, 64, 64));
			float[] before = image.toFloatArray();
			NDArray gradMean = m.randomNormal(new Shape(2, 4, 8, 8));
			NDArray gradLogvar = m.randomNormal(new Shape(2, 4, 8, 8));
			NDArray leaf = image.duplicate();
			leaf.setRequiresGradient(true);
			NDArray expected, mean, logvar;
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				AutoencoderKL.Posterior p = sd.vae.encode(leaf, null);
				mean = p.mean().stopGradient();
				logvar = p.logvar().stopGradient();
				gc.backward(p.mean().mul(gradMean).sum().add(p.logvar().mul(gradLogvar).sum()));
				expected = leaf.getGradient();
			}
			for (int k = 0; k <= stages; k++) {
				NDArray actual;
				try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
					AutoencoderKL.Checkpoints c = sd.vae.encodeForBackward(image, k);
					assertEquals(k, c.checkpointedStages());
					assertEquals(0, Reference.relativeError(c.posterior().mean(), mean), "mean, " + k + " checkpointed");
					assertEquals(0, Reference.relativeError(c.posterior().logvar(), logvar), "logvar, " + k + " checkpointed");
					actual = sd.vae.vectorJacobian(gc, c, gradMean, k % 2 == 0 ? gradLogvar : null);
				}
				NDArray reference = expected;
				if (k % 2 == 1) { // the mean alone: the plain gradient of sum(mean · gradMean)
					NDArray l = image.duplicate();
					l.setRequiresGradient(true);
					try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
						gc.backward(sd.vae.encode(l, null).mean().mul(gradMean).sum());
						reference = l.getGradient();
					}
				}
				double err = Reference.relativeError(actual, reference);
				assertTrue(err <= 1e-5, k + " stages checkpointed: relative error " + err);
			}
			assertThrows(IllegalArgumentException.class, () -> sd.vae.encodeForBackward(image, stages + 1));
			assertArrayEquals(before, image.toFloatArray(), "the image is not modified");
		}
	}

	@Test
	void thePolicyCheckpointsTheHighResolutionPrefix() {
		AutoencoderKL vae = tiny.get().vae;
		// 64 px, a batch of 2: every stage's input is below 2 MiB, the whole graph is kept
		assertEquals(0, vae.checkpointedStages(new Shape(2, 3, 64, 64), DataType.FLOAT32));
		// 256 px, float32: block 0 (32 channels at 256², 8 MiB) and block 1 (32 channels at 128², 2 MiB) up to its
		// downsampler: conv_in, 2 ResNets, downsampler, 2 ResNets, downsampler = 7 stages; block 2 starts at 0.5 MiB
		assertEquals(7, vae.checkpointedStages(new Shape(1, 3, 256, 256), DataType.FLOAT32));
		// half the bytes per value: block 1's 2 MiB becomes 1 MiB, so only block 0 is checkpointed
		assertEquals(4, vae.checkpointedStages(new Shape(1, 3, 256, 256), DataType.FLOAT16));
		// a batch of 4 at 128 px holds what one 256 px image holds
		assertEquals(7, vae.checkpointedStages(new Shape(4, 3, 128, 128), DataType.FLOAT32));
		// 1024 px: even the head's input (64 channels at 128², 4 MiB) counts
		assertEquals(vae.encoderStages(), vae.checkpointedStages(new Shape(1, 3, 1024, 1024), DataType.FLOAT32));
		// never fewer stages for a larger image
		int previous = 0;
		for (int size = 64; size <= 4096; size *= 2) {
			int n = vae.checkpointedStages(new Shape(1, 3, size, size), DataType.FLOAT32);
			assertTrue(n >= previous, size + " px: " + n + " < " + previous);
			assertTrue(n <= vae.encoderStages());
			previous = n;
		}
		assertEquals(vae.encoderStages(), previous);
	}
}
