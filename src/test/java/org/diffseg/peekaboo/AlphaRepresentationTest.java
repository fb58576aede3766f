package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;

class AlphaRepresentationTest {
	private static final int H = 24;
	private static final int W = 20;
	private static final BilateralProxyBlur.Settings BLUR = BilateralProxyBlur.Settings.DEFAULTS;

	/** An image with two flat regions and a sharp edge, like a segmentation input. */
	private static NDArray image(NDManager manager) {
		float[] v = new float[3 * H * W];
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++)
					v[(c * H + y) * W + x] = x < W / 2 ? 0.1f + 0.1f * c : 0.9f - 0.2f * c;
		return manager.create(v, new Shape(3, H, W));
	}

	/** A random depth map of the image's size. */
	private static NDArray depth(NDManager manager) {
		return manager.randomUniform(0, 1, new Shape(1, H, W));
	}

	@Test
	void namesParseAndUnknownNamesAreRefusedWithTheList() {
		assertEquals(AlphaRepresentation.Kind.FOURIER_BILATERAL, AlphaRepresentation.Kind.fromName("fourier bilateral"));
		assertEquals(AlphaRepresentation.Kind.FOURIER_BILATERAL, AlphaRepresentation.Kind.fromName(" Fourier_Bilateral "));
		assertEquals(AlphaRepresentation.Kind.RASTER, AlphaRepresentation.Kind.fromName("raster"));
		assertEquals(AlphaRepresentation.Kind.GUIDED_BILATERAL, AlphaRepresentation.Kind.fromName("guided-bilateral"));
		assertEquals(AlphaRepresentation.Kind.FOURIER_BILATERAL, AlphaRepresentation.Kind.DEFAULT);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> AlphaRepresentation.Kind.fromName("bilateral fourier"));
		assertTrue(e.getMessage().contains("'raster bilateral'") && e.getMessage().contains("'guided bilateral'"),
				e.getMessage());
	}

	@ParameterizedTest
	@EnumSource(AlphaRepresentation.Kind.class)
	void everyKindGivesShapedAlphaInUnitRangeWithGradientsToEveryParameter(AlphaRepresentation.Kind kind) {
		try (NDManager manager = NDManager.newBaseManager();
				AlphaRepresentation rep = AlphaRepresentation.create(kind.label(), image(manager), depth(manager), 2, BLUR,
						11);
				GradientCollector collector = Engine.getInstance().newGradientCollector()) {
			assertEquals(kind, rep.kind());
			assertEquals(2, rep.channels());
			assertEquals(H, rep.height());
			assertEquals(W, rep.width());
			NDArray alpha = rep.alpha();
			assertArrayEquals(new long[] { 2, H, W }, alpha.getShape().getShape(), kind.label());
			float[] values = alpha.toFloatArray();
			for (float v : values)
				assertTrue(v >= 0 && v <= 1, kind + ": " + v);
			collector.backward(alpha.sum());
			for (NDArray p : rep.parameters()) {
				float[] g = p.getGradient().toFloatArray();
				boolean nonZero = false;
				for (float x : g) {
					assertTrue(Float.isFinite(x), kind + " " + p.getName());
					nonZero |= x != 0;
				}
				assertTrue(nonZero, kind + ": no gradient reaches " + p.getName());
			}
		}
	}

	@Test
	void sameSeedIsBitIdenticalAndOtherSeedsDiffer() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray image = image(manager);
			for (String name : new String[] { "raster", "fourier bilateral" })
				try (AlphaRepresentation a = AlphaRepresentation.create(name, image, null, 1, BLUR, 5);
						AlphaRepresentation b = AlphaRepresentation.create(name, image, null, 1, BLUR, 5);
						AlphaRepresentation c = AlphaRepresentation.create(name, image, null, 1, BLUR, 6)) {
					for (int i = 0; i < a.parameters().size(); i++)
						assertArrayEquals(a.parameters().get(i).toFloatArray(), b.parameters().get(i).toFloatArray(), name);
					assertArrayEquals(a.alpha().toFloatArray(), b.alpha().toFloatArray(), name);
					assertFalse(Arrays.equals(a.alpha().toFloatArray(), c.alpha().toFloatArray()), name);
				}
		}
	}

	@Test
	void rasterLogitsAreStandardNormal() {
		try (NDManager manager = NDManager.newBaseManager();
				RasterAlpha rep = new RasterAlpha(AlphaRepresentation.Kind.RASTER, manager, 4, 64, 64, null, BLUR, 1)) {
			float[] z = rep.parameters().singletonOrThrow().toFloatArray();
			double mean = 0;
			double square = 0;
			for (float v : z) {
				mean += v;
				square += v * v;
			}
			mean /= z.length;
			double var = square / z.length - mean * mean;
			assertEquals(0, mean, 0.03);
			assertEquals(1, var, 0.05);
		}
	}

	@Test
	void bilateralKindsBlurTheLogitsThenApplySigmoid() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray image = image(manager);
			NDArray depth = manager.randomUniform(0, 1, new Shape(2, H, W));
			try (BilateralProxyBlur imageBlur = new BilateralProxyBlur(image, BLUR);
					BilateralProxyBlur depthBlur = new BilateralProxyBlur(depth, BLUR);
					AlphaRepresentation raster = AlphaRepresentation.create("raster bilateral", image, null, 1, BLUR, 9);
					AlphaRepresentation fourier = AlphaRepresentation.create("fourier bilateral", image, null, 1, BLUR, 9);
					AlphaRepresentation guided = AlphaRepresentation.create("guided bilateral", image, depth, 1, BLUR, 9);
					FourierFeatureNetwork network = new FourierFeatureNetwork(manager, H, W, 1, 256, 128, 10, 9)) {
				NDArray rasterLogits = raster.parameters().singletonOrThrow();
				assertClose(Activation.sigmoid(imageBlur.apply(rasterLogits, 40)), raster.alpha(), "raster bilateral");
				NDArray logits = network.logits();
				assertClose(Activation.sigmoid(imageBlur.apply(logits, 40)), fourier.alpha(), "fourier bilateral");
				assertClose(Activation.sigmoid(depthBlur.apply(logits, 40)), guided.alpha(), "guided bilateral");
				// Blur before sigmoid, not after: the two orders differ.
				assertFalse(Arrays.equals(raster.alpha().toFloatArray(),
						imageBlur.apply(Activation.sigmoid(rasterLogits), 40).toFloatArray()));
			}
		}
	}

	private static void assertClose(NDArray expected, NDArray actual, String name) {
		float[] e = expected.toFloatArray();
		float[] a = actual.toFloatArray();
		assertEquals(e.length, a.length);
		for (int i = 0; i < e.length; i++)
			assertEquals(e[i], a[i], 1e-6, name + " at " + i);
	}

	@Test
	void rasterGradientMatchesFiniteDifferences() {
		int h = 12;
		int w = 10;
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray guide = manager.randomUniform(0, 1, new Shape(3, h, w));
			for (AlphaRepresentation.Kind kind : new AlphaRepresentation.Kind[] { AlphaRepresentation.Kind.RASTER,
					AlphaRepresentation.Kind.RASTER_BILATERAL })
				try (RasterAlpha rep = new RasterAlpha(kind, manager, 1, h, w, kind.bilateral() ? guide : null,
						new BilateralProxyBlur.Settings(3, 5, 0.3, 40), 2)) {
					NDArray logits = rep.parameters().singletonOrThrow();
					float[] autograd;
					try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
						collector.backward(rep.alpha().sum());
						autograd = logits.getGradient().toFloatArray();
					}
					double maxGrad = 0;
					for (float g : autograd)
						maxGrad = Math.max(maxGrad, Math.abs(g));
					float epsilon = 1e-2f;
					for (int index : new int[] { 0, 7, 33, 64, 119 }) {
						float[] z = logits.toFloatArray();
						double up = sumAlphaWithLogit(rep, logits, z, index, z[index] + epsilon);
						double down = sumAlphaWithLogit(rep, logits, z, index, z[index] - epsilon);
						double numeric = (up - down) / (2 * epsilon);
						assertEquals(numeric, autograd[index], 1e-3 * maxGrad, kind + " logit " + index);
					}
				}
		}
	}

	/** Σ alpha with one logit replaced, summed in double from the float alpha (restores the logits after). */
	private static double sumAlphaWithLogit(RasterAlpha rep, NDArray logits, float[] z, int index, float value) {
		float[] changed = z.clone();
		changed[index] = value;
		logits.set(changed);
		double sum = 0;
		try (NDArray alpha = rep.alpha()) {
			for (float a : alpha.toFloatArray())
				sum += a;
		}
		logits.set(z);
		return sum;
	}

	@ParameterizedTest
	@EnumSource(AlphaRepresentation.Kind.class)
	void optimisationStepsLeaveNoArraysBehind(AlphaRepresentation.Kind kind) {
		try (NDManager manager = NDManager.newBaseManager();
				AlphaRepresentation rep = AlphaRepresentation.create(kind, image(manager), depth(manager), 1, BLUR, 3)) {
			int[] counts = new int[3];
			for (int i = 0; i < counts.length; i++) {
				try (NDManager step = manager.newSubManager();
						GradientCollector collector = Engine.getInstance().newGradientCollector()) {
					NDArray alpha = rep.alpha();
					alpha.attach(step);
					collector.backward(alpha.sum());
					Sgd.step(rep.parameters(), 1e-3f);
				}
				counts[i] = manager.getManagedArrays().size();
			}
			assertEquals(counts[0], counts[2], kind + ": arrays accumulate per iteration");
		}
	}

	@Test
	void guidedBilateralNeedsAGuideOfTheImageSize() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray image = image(manager);
			IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
					() -> AlphaRepresentation.create("guided bilateral", image, null, 1, BLUR, 1));
			assertTrue(missing.getMessage().contains("guide"), missing.getMessage());
			NDArray small = manager.zeros(new Shape(1, H / 2, W / 2));
			IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
					() -> AlphaRepresentation.create("guided bilateral", image, small, 1, BLUR, 1));
			assertTrue(size.getMessage().contains("resize"), size.getMessage());
			assertThrows(IllegalArgumentException.class, () -> AlphaRepresentation.create("raster", image, null, 0, BLUR, 1));
		}
	}

	@Test
	void learnableRgbImageIsThreeChannelsInUnitRange() {
		try (NDManager manager = NDManager.newBaseManager();
				LearnableRgbImage a = new LearnableRgbImage(manager, H, W, 4);
				LearnableRgbImage b = new LearnableRgbImage(manager, H, W, 4);
				GradientCollector collector = Engine.getInstance().newGradientCollector()) {
			NDArray rgb = a.image();
			assertArrayEquals(new long[] { 3, H, W }, rgb.getShape().getShape());
			for (float v : rgb.toFloatArray())
				assertTrue(v >= 0 && v <= 1);
			assertArrayEquals(rgb.toFloatArray(), b.image().toFloatArray());
			collector.backward(rgb.sum());
			for (NDArray p : a.parameters()) {
				boolean nonZero = false;
				for (float x : p.getGradient().toFloatArray())
					nonZero |= x != 0;
				assertTrue(nonZero, p.getName());
			}
		}
	}
}
