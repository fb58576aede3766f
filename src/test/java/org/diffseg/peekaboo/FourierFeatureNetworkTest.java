package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

class FourierFeatureNetworkTest {
	private static final int H = 16;
	private static final int W = 20;

	@Test
	void parametersFollowPyTorchDefaults() {
		try (NDManager manager = NDManager.newBaseManager();
				FourierFeatureNetwork net = new FourierFeatureNetwork(manager, H, W, 2, 256, 128, 10, 3)) {
			NDList p = net.parameters();
			// 4 convs (weight, bias) + 3 BatchNorms (gamma, beta).
			assertEquals(14, p.size());
			long[][] shapes = { { 256, 256, 1, 1 }, { 256 }, { 256 }, { 256 }, { 256, 256, 1, 1 }, { 256 }, { 256 },
					{ 256 }, { 256, 256, 1, 1 }, { 256 }, { 256 }, { 256 }, { 2, 256, 1, 1 }, { 2 } };
			for (int i = 0; i < shapes.length; i++)
				assertArrayEquals(shapes[i], p.get(i).getShape().getShape(), p.get(i).getName());
			assertEquals("model.0.weight", p.get(0).getName());
			assertEquals("model.2.weight", p.get(2).getName());
			assertEquals("model.9.bias", p.get(13).getName());
			double bound = 1 / Math.sqrt(256);
			for (int conv : new int[] { 0, 4, 8, 12 })
				for (int k = conv; k <= conv + 1; k++) {
					float[] values = p.get(k).toFloatArray();
					double max = 0;
					for (float v : values)
						max = Math.max(max, Math.abs(v));
					assertTrue(max <= bound, p.get(k).getName() + " max " + max);
					// With 256+ draws the largest one comes close to the bound (it is not a smaller range).
					if (values.length >= 256)
						assertTrue(max > 0.9 * bound, p.get(k).getName() + " max " + max);
				}
			for (int bn : new int[] { 2, 6, 10 }) {
				for (float v : p.get(bn).toFloatArray())
					assertEquals(1f, v);
				for (float v : p.get(bn + 1).toFloatArray())
					assertEquals(0f, v);
			}
			for (NDArray a : p)
				assertTrue(a.hasGradient(), a.getName());
		}
	}

	@Test
	void sameSeedSameParametersAndOutput() {
		try (NDManager manager = NDManager.newBaseManager();
				FourierFeatureNetwork a = new FourierFeatureNetwork(manager, H, W, 1, 32, 16, 10, 42);
				FourierFeatureNetwork b = new FourierFeatureNetwork(manager, H, W, 1, 32, 16, 10, 42);
				FourierFeatureNetwork c = new FourierFeatureNetwork(manager, H, W, 1, 32, 16, 10, 43)) {
			for (int i = 0; i < a.parameters().size(); i++)
				assertArrayEquals(a.parameters().get(i).toFloatArray(), b.parameters().get(i).toFloatArray());
			assertFalse(java.util.Arrays.equals(a.parameters().get(0).toFloatArray(), c.parameters().get(0).toFloatArray()));
			assertArrayEquals(a.logits().toFloatArray(), b.logits().toFloatArray());
			assertArrayEquals(new long[] { 1, H, W }, a.logits().getShape().getShape());
		}
	}

	@Test
	void gaussianFourierFeaturesOfTheUvGrid() {
		float[] uv = GaussianFourierFeatures.uvGrid(2, 4);
		// Pixel (row 1, col 3): u = 3/4, v = 1/2; everything stays below 1.
		assertEquals(0.75f, uv[2 * 7]);
		assertEquals(0.5f, uv[2 * 7 + 1]);
		assertEquals(0f, uv[0]);
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray f = GaussianFourierFeatures.encode(manager, 2, 4, 3, 10, new java.util.SplittableRandom(1));
			assertArrayEquals(new long[] { 1, 6, 2, 4 }, f.getShape().getShape());
			float[] v = f.toFloatArray();
			// sin² + cos² = 1 for every feature and pixel; pixel (0, 0) has phase 0.
			for (int k = 0; k < 3; k++)
				for (int px = 0; px < 8; px++) {
					double s = v[k * 8 + px];
					double c = v[(k + 3) * 8 + px];
					assertEquals(1.0, s * s + c * c, 1e-5);
				}
			assertEquals(0f, v[0], 1e-7);
			assertEquals(1f, v[3 * 8], 1e-7);
		}
	}

	@Test
	void batchNormGivesBatchStatisticsGammaAndBeta() {
		try (NDManager manager = NDManager.newBaseManager();
				FourierFeatureNetwork net = new FourierFeatureNetwork(manager, H, W, 1, 64, 32, 10, 5)) {
			// Default gamma = 1, beta = 0: every hidden block's output is standardised per channel over the pixels.
			for (int layers = 1; layers <= FourierFeatureNetwork.HIDDEN_LAYERS; layers++)
				try (NDArray h = net.hidden(layers)) {
					assertArrayEquals(new long[] { 1, 64, H, W }, h.getShape().getShape());
					checkChannelStatistics(h.toFloatArray(), 64, filled(64, 1), new float[64]);
				}
			// Non-default gamma/beta of the first BatchNorm appear as the channel std and mean.
			float[] gamma = new float[64];
			float[] beta = new float[64];
			for (int i = 0; i < 64; i++) {
				gamma[i] = 0.5f + i / 32f;
				beta[i] = i / 8f - 4;
			}
			try (NDArray g = net.parameters().get(2).stopGradient(); NDArray b = net.parameters().get(3).stopGradient()) {
				g.set(new NDIndex("..."), manager.create(gamma));
				b.set(new NDIndex("..."), manager.create(beta));
			}
			try (NDArray h = net.hidden(1)) {
				checkChannelStatistics(h.toFloatArray(), 64, gamma, beta);
			}
		}
	}

	private static float[] filled(int n, float v) {
		float[] out = new float[n];
		java.util.Arrays.fill(out, v);
		return out;
	}

	/** Per channel: mean = beta, biased variance = gamma² (up to the eps 1e-5 in the denominator). */
	private static void checkChannelStatistics(float[] values, int channels, float[] gamma, float[] beta) {
		int n = values.length / channels;
		for (int c = 0; c < channels; c++) {
			double mean = 0;
			for (int i = 0; i < n; i++)
				mean += values[c * n + i];
			mean /= n;
			double var = 0;
			for (int i = 0; i < n; i++)
				var += (values[c * n + i] - mean) * (values[c * n + i] - mean);
			var /= n;
			assertEquals(beta[c], mean, 1e-4 * (1 + Math.abs(beta[c])), "channel " + c + " mean");
			assertEquals(gamma[c] * gamma[c], var, 1e-3 * gamma[c] * gamma[c], "channel " + c + " variance");
		}
	}
}
