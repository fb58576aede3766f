package org.diffseg.sd.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

class MultiHeadAttentionTest {

	/** softmax(scale Q K^T) V per head, written out plainly: the reference the fast paths must equal. */
	private static NDArray plain(NDArray q, NDArray k, NDArray v, int heads, float scale) {
		long b = q.getShape().get(0), tq = q.getShape().get(1), tk = k.getShape().get(1), d = q.getShape().get(2) / heads;
		NDArray qh = q.reshape(b, tq, heads, d).transpose(0, 2, 1, 3);
		NDArray kh = k.reshape(b, tk, heads, d).transpose(0, 2, 3, 1);
		NDArray vh = v.reshape(b, tk, heads, d).transpose(0, 2, 1, 3);
		NDArray scores = qh.matMul(kh).mul(scale);
		return scores.softmax(-1).matMul(vh).transpose(0, 2, 1, 3).reshape(b, tq, heads * d);
	}

	@Test
	void chunkedSelfAttentionEqualsTheWholeComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			int heads = 2, t = 2200, d = 8; // 2 x 2200 x 2200 floats = 38.7 MB of scores: above the CPU chunk
			assertTrue(2L * t * t * 4 > MultiHeadAttention.CHUNK_BYTES_CPU);
			m.getEngine().setRandomSeed(3);
			NDArray q = m.randomNormal(new Shape(1, t, heads * d)), k = m.randomNormal(new Shape(1, t, heads * d)),
				v = m.randomNormal(new Shape(1, t, heads * d));
			float scale = (float) (1 / Math.sqrt(d));
			NDArray expected = plain(q, k, v, heads, scale);
			NDArray chunked = MultiHeadAttention.attend(q, k, v, heads, scale, null, false).output();
			MultiHeadAttention.Result whole = MultiHeadAttention.attend(q, k, v, heads, scale, null, true);
			assertEquals(expected.getShape(), chunked.getShape());
			float maxChunked = expected.sub(chunked).abs().max().getFloat();
			float maxWhole = expected.sub(whole.output()).abs().max().getFloat();
			assertTrue(maxChunked < 1e-5f, "chunked differs by " + maxChunked);
			assertTrue(maxWhole < 1e-5f, "unchunked differs by " + maxWhole);
			assertEquals(new Shape(heads, t, t), whole.probs().getShape());
		}
	}

	/** The chunked path is used under autograd (the VAE's attention at 512 px): its gradients equal the whole one's. */
	@Test
	void chunkedGradientsEqualTheWholeComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			int heads = 1, t = 1600, d = 16; // 1600 x 1600 floats = 10 MB of scores
			m.getEngine().setRandomSeed(5);
			NDArray q = m.randomNormal(new Shape(1, t, heads * d)), k = m.randomNormal(new Shape(1, t, heads * d)),
				v = m.randomNormal(new Shape(1, t, heads * d)), w = m.randomNormal(new Shape(1, t, heads * d));
			float scale = (float) (1 / Math.sqrt(d));
			NDArray[] grads = new NDArray[2];
			for (int pass = 0; pass < 2; pass++) {
				NDArray x = q.duplicate();
				x.setRequiresGradient(true);
				try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
					NDArray out = MultiHeadAttention.attend(x, k, v, heads, scale, null, pass == 1).output();
					gc.backward(out.mul(w).sum());
				}
				grads[pass] = x.getGradient().duplicate();
			}
			float diff = grads[0].sub(grads[1]).abs().max().getFloat(), size = grads[1].abs().max().getFloat();
			assertTrue(size > 0, "a gradient flows");
			assertTrue(diff <= 1e-5f * size, "chunked gradient differs by " + diff + " (largest " + size + ")");
		}
	}
}
