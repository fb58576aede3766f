package org.diffseg.sd.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

/**
 * The input gradient of a convolution over a batch of small images is right on its first call in a process, whatever
 * the freed memory around it holds. libtorch 2.5.1 sends such a batch (more than one image, at most 20,480 values each)
 * to oneDNN, whose backward pass then returns values it never wrote: after freed memory full of NaN, the first input
 * gradient was NaN (later calls reuse its buffers and look right). Peekaboo with two prompts on a tiny model hit
 * this in its VAE encoder's 8x8 convolutions and ended in NaN in some runs and not in others.
 */
class Conv2dBackwardTest {

	/** Leaves freed native memory full of NaN, the worst case for a kernel that reads what it has not written. */
	static void poisonFreedMemory(NDManager m) {
		for (int k = 0; k < 200; k++) {
			try (NDArray nan = m.full(new Shape(256L << (k % 12)), Float.NaN); NDArray sum = nan.add(1f)) {
				sum.getShape(); // both freed at once
			}
		}
	}

	@Test
	void firstInputGradientOfASmallBatchIsFiniteAndMatchesOneImageAtATime() {
		try (NDManager m = NDManager.newBaseManager()) {
			m.getEngine().setRandomSeed(5);
			// a shape no other test convolves, so that this is the first such call in the test JVM
			int b = 3, c = 56, h = 7, w = 7, o = 6;
			NDArray x = m.randomNormal(new Shape(b, c, h, w));
			NDArray weight = m.randomNormal(new Shape(o, c, 3, 3)).mul(0.05f);
			NDArray bias = m.randomNormal(new Shape(o));
			NDArray g = m.randomNormal(new Shape(b, o, h, w));
			poisonFreedMemory(m);
			float[] batched = inputGradient(x, weight, bias, g);
			for (float v : batched) assertTrue(Float.isFinite(v), "non-finite input gradient of the batched convolution");
			for (int i = 0; i < b; i++) {
				String rows = i + ":" + (i + 1);
				float[] one = inputGradient(x.get(rows), weight, bias, g.get(rows));
				int n = one.length;
				double worst = 0, scale = 0;
				for (int k = 0; k < n; k++) {
					worst = Math.max(worst, Math.abs(one[k] - batched[i * n + k]));
					scale = Math.max(scale, Math.abs(one[k]));
				}
				assertTrue(worst <= 1e-5 * scale, "image " + i + ": max |diff| " + worst + " of " + scale);
			}
		}
	}

	/** d/dx of sum(conv(x) · g), through our Conv2d. */
	private static float[] inputGradient(NDArray x, NDArray weight, NDArray bias, NDArray g) {
		NDArray leaf = x.duplicate();
		leaf.setRequiresGradient(true);
		try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
			gc.backward(Conv2d.conv2d(leaf, weight, bias, 1, 1).mul(g).sum());
		}
		return leaf.getGradient().toFloatArray();
	}
}
