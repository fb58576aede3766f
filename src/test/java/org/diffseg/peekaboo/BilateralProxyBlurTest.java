package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

class BilateralProxyBlurTest {
	private static final Path REFERENCE = Path.of("models/tiny-sd-a/reference/bilateral.safetensors");
	/** fixtures/README.md: recommended bound for bilateral.safetensors. */
	private static final double BOUND = 1e-4;

	@Test
	void spatialKernelsMatchReference() throws Exception {
		try (SafeTensors st = SafeTensors.open(REFERENCE)) {
			assertClose(st.readFloats("gaussian_kernel_k3"), BilateralProxyBlur.spatialKernel(3, 5), "gaussian_kernel_k3");
			assertClose(st.readFloats("gaussian_kernel_k5"), BilateralProxyBlur.spatialKernel(5, 5), "gaussian_kernel_k5");
		}
	}

	@Test
	void kernel3MatchesReference() throws Exception {
		checkSetting(3, 40);
	}

	@Test
	void kernel5MatchesReference() throws Exception {
		checkSetting(5, 10);
	}

	private static void checkSetting(int k, int iterations) throws Exception {
		try (SafeTensors st = SafeTensors.open(REFERENCE); NDManager manager = NDManager.newBaseManager()) {
			NDArray guide = st.load(manager, "guide", DataType.FLOAT32);
			NDArray alpha = st.load(manager, "alpha", DataType.FLOAT32);
			try (BilateralProxyBlur blur = new BilateralProxyBlur(guide, k, 5, 0.08)) {
				assertArrayEquals(new long[] { k, k, 64, 64 }, blur.weights().getShape().getShape());
				assertClose(st.readFloats("weights_k" + k), blur.weights().toFloatArray(), "weights_k" + k);
				assertClose(st.readFloats("alpha_blur_k" + k + "_iter1"), blur.apply(alpha, 1).toFloatArray(),
						"alpha_blur_k" + k + "_iter1");
				NDArray blurred = blur.apply(alpha, iterations);
				assertArrayEquals(new long[] { 1, 64, 64 }, blurred.getShape().getShape());
				assertClose(st.readFloats("alpha_blur_k" + k + "_iter" + iterations), blurred.toFloatArray(),
						"alpha_blur_k" + k + "_iter" + iterations);
				assertClose(st.readFloats("guide_blur_k" + k + "_iter" + iterations), blur.apply(guide, iterations)
						.toFloatArray(), "guide_blur_k" + k + "_iter" + iterations);
				// A batch [B, C, H, W] gives each image the blur it gets alone.
				NDArray batch = guide.expandDims(0).concat(guide.expandDims(0).mul(0.5f), 0);
				NDArray batchBlur = blur.apply(batch, iterations);
				assertArrayEquals(new long[] { 2, 3, 64, 64 }, batchBlur.getShape().getShape());
				assertClose(st.readFloats("guide_blur_k" + k + "_iter" + iterations), batchBlur.get(0).toFloatArray(),
						"batch item 0");
				assertClose(blur.apply(guide.mul(0.5f), iterations).toFloatArray(), batchBlur.get(1).toFloatArray(),
						"batch item 1");
			}
		}
	}

	@Test
	void weightsAreNormalisedAndZeroOutside() throws Exception {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray guide = manager.randomUniform(0, 1, new Shape(2, 9, 7));
			try (BilateralProxyBlur blur = new BilateralProxyBlur(guide, 5, 5, 0.3)) {
				float[] w = blur.weights().toFloatArray();
				int h = 9;
				int wd = 7;
				for (int y = 0; y < h; y++)
					for (int x = 0; x < wd; x++) {
						double sum = 0;
						for (int u = 0; u < 5; u++)
							for (int v = 0; v < 5; v++) {
								float value = w[((u * 5 + v) * h + y) * wd + x];
								int ny = y - (v - 2);
								int nx = x - (u - 2);
								if (ny < 0 || ny >= h || nx < 0 || nx >= wd)
									assertEquals(0f, value, "outside neighbour (" + u + "," + v + ") of " + y + "," + x);
								else
									assertTrue(value > 0);
								sum += value;
							}
						assertEquals(1.0, sum, 1e-5);
					}
			}
		}
	}

	@Test
	void gradientIsTheTransposedBlur() throws Exception {
		int h = 11;
		int w = 13;
		int k = 3;
		int n = 3;
		SplittableRandom random = new SplittableRandom(7);
		float[] g = new float[2 * h * w];
		for (int i = 0; i < g.length; i++)
			g[i] = (float) random.nextDouble(-1, 1);
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray guide = manager.randomUniform(0, 1, new Shape(3, h, w));
			NDArray x = manager.randomUniform(0, 1, new Shape(2, h, w));
			x.setRequiresGradient(true);
			NDArray upstream = manager.create(g, new Shape(2, h, w));
			try (BilateralProxyBlur blur = new BilateralProxyBlur(guide, k, 5, 0.5);
					GradientCollector collector = Engine.getInstance().newGradientCollector()) {
				NDArray loss = blur.apply(x, n).mul(upstream).sum();
				collector.backward(loss);
				float[] actual = x.getGradient().toFloatArray();
				// Expected: (B^T)^n g with B[p, q] = Wt[u, v, p] for q the (u, v) neighbour of p.
				float[] wt = blur.weights().toFloatArray();
				double[] current = new double[g.length];
				for (int i = 0; i < g.length; i++)
					current[i] = g[i];
				for (int it = 0; it < n; it++) {
					double[] next = new double[current.length];
					for (int c = 0; c < 2; c++)
						for (int y = 0; y < h; y++)
							for (int xx = 0; xx < w; xx++)
								for (int u = 0; u < k; u++)
									for (int v = 0; v < k; v++) {
										int ny = y - (v - 1);
										int nx = xx - (u - 1);
										if (ny < 0 || ny >= h || nx < 0 || nx >= w)
											continue;
										next[(c * h + ny) * w + nx] += wt[((u * k + v) * h + y) * w + xx]
												* current[(c * h + y) * w + xx];
									}
					current = next;
				}
				float[] expected = new float[current.length];
				for (int i = 0; i < expected.length; i++)
					expected[i] = (float) current[i];
				assertClose(expected, actual, "gradient");
			}
		}
	}

	@Test
	void rejectsMismatchedInput() throws Exception {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray guide = manager.zeros(new Shape(1, 8, 8));
			assertThrows(IllegalArgumentException.class, () -> new BilateralProxyBlur(guide, 4, 5, 0.08));
			assertThrows(IllegalArgumentException.class, () -> new BilateralProxyBlur(manager.zeros(new Shape(8, 8)), 3, 5,
					0.08));
			try (BilateralProxyBlur blur = new BilateralProxyBlur(guide, 3, 5, 0.08)) {
				IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
						() -> blur.apply(manager.zeros(new Shape(1, 8, 9)), 1));
				assertTrue(e.getMessage().contains("8x8"), e.getMessage());
			}
			NDArray nan = manager.create(new float[] { 0, Float.NaN, 0, 0 }, new Shape(1, 2, 2));
			assertThrows(IllegalArgumentException.class, () -> new BilateralProxyBlur(nan, 3, 5, 0.08));
		}
	}

	static void assertClose(float[] expected, float[] actual, String name) {
		org.diffseg.sd.Reference.assertWithin(expected, actual, BOUND, name);
	}
}
