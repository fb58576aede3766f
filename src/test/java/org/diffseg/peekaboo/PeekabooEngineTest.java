package org.diffseg.peekaboo;

import static org.diffseg.run.CancelToken.none;
import static org.diffseg.run.ProgressListener.NONE;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;

import org.diffseg.img.RgbPlanes;
import org.diffseg.run.CancelToken;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Peekaboo engine on the tiny fixture model (composite size 64): loss, gradients, geometry, control flow. */
class PeekabooEngineTest {
	private static final Path SDS = Path.of("models/tiny-sd-a/reference/peekaboo_sds.safetensors");
	@RegisterExtension
	static final TinyModel<StableDiffusion> sd = TinyModel.sd();

	/** Fast settings: raster alpha of 16 px, one iteration, no timelapse. */
	private static PeekabooSettings quick() {
		return PeekabooSettings.defaults().withRepresentation("raster").withSize(16).withIterations(1)
			.withTimelapseEvery(0);
	}

	/** A smooth, non-constant test image. */
	private static RgbPlanes image(int w, int h) {
		float[] v = new float[3 * w * h];
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					v[(c * h + y) * w + x] = (float) (0.5 + 0.4 * Math.sin(0.3 * x + 0.2 * y + c));
		return new RgbPlanes(w, h, v);
	}

	/** max|a - e| / max|e|. */
	private static double relativeError(float[] actual, float[] expected) {
		assertEquals(expected.length, actual.length);
		double diff = 0, max = 0;
		for (int i = 0; i < actual.length; i++) {
			if (!Float.isFinite(actual[i])) return Double.POSITIVE_INFINITY;
			diff = Math.max(diff, Math.abs((double) actual[i] - expected[i]));
			max = Math.max(max, Math.abs(expected[i]));
		}
		return diff / max;
	}

	@Test
	void oneIterationReproducesTheReferenceScoreDistillationGradient() throws IOException {
		try (SafeTensors f = SafeTensors.open(SDS); NDManager m = NDManager.newBaseManager()) {
			NDArray image = f.load(m, "image", DataType.FLOAT32).squeeze(0);
			long[] t = f.readLongs("timestep");
			PeekabooSettings s = PeekabooSettings.defaults().withSize(64).withGuidance(100).withGravity(0.05f)
				.withSampleLatents(false);
			Peekaboo.Draws draws = new Peekaboo.Draws(f.readFloats("background"), t, f.load(m, "noise",
				DataType.FLOAT32), null);
			NDArray uncond = sd.get().encodeText(m, List.of(""));
			NDArray cond = sd.get().encodeText(m, List.of("a photo of a cat"));
			CompositeObjective objective = new Peekaboo(sd.get()).scoreDistillation(uncond, cond, s);
			try (RasterAlpha alpha = RasterAlpha.fromLogits(m, f.load(m, "alpha_logits", DataType.FLOAT32));
				NDManager step = m.newSubManager())
			{
				assertEquals(64, new Peekaboo(sd.get()).compositeSize(s));
				Peekaboo.Step r = Peekaboo.step(step, image, null, alpha, 64, s, draws, objective, new long[4]);
				assertTrue(relativeError(r.alpha().toFloatArray(), f.readFloats("alpha")) <= 1e-4, "alpha");
				float[] grad = alpha.parameters().get(0).getGradient().toFloatArray();
				double err = relativeError(grad, f.readFloats("grad_alpha_logits"));
				assertTrue(err <= 1e-3, "grad_alpha_logits: relative error " + err);
				// the gravity term alone would be far off: the score-distillation part must be there
				assertTrue(relativeError(grad, f.readFloats("grad_alpha_logits_reg")) > 0.1);
			}
		}
	}

	/** A known linear objective Σ W·composite, recording what the engine gives it. */
	private static final class LinearLayer implements CompositeObjective {
		final float[] weights;
		final Shape shape;
		float[] seen;

		LinearLayer(Shape shape, long seed) {
			this.shape = shape;
			weights = ParameterInit.uniform(new SplittableRandom(seed), Math.toIntExact(shape.size()), 1);
		}

		double value(float[] composite) {
			double v = 0;
			for (int i = 0; i < composite.length; i++) v += (double) weights[i] * composite[i];
			return v;
		}

		@Override
		public Value evaluate(ai.djl.training.GradientCollector gc, NDArray composites, Peekaboo.Draws d, long[] nanos) {
			assertArrayEquals(shape.getShape(), composites.getShape().getShape());
			seen = composites.toFloatArray();
			return new Value(value(seen), composites.getManager().create(weights, shape));
		}
	}

	/** The objective in double precision: Σ W·composite(logits) + gravity · Σ sigmoid(logits) (raster alpha). */
	private static double objective(NDManager m, NDArray image, float[] logits, Shape shape, int composite,
		PeekabooSettings s, Peekaboo.Draws d, LinearLayer linear, boolean bilateral)
	{
		try (NDManager scope = m.newSubManager();
			RasterAlpha alpha = bilateral ? new RasterAlpha(AlphaRepresentation.Kind.RASTER_BILATERAL, scope,
				(int) shape.get(0), shape.get(1), shape.get(2), image, s.bilateral(), 0) :
				RasterAlpha.fromLogits(scope, scope.create(logits, shape)))
		{
			if (bilateral) alpha.parameters().get(0).stopGradient().muli(0).addi(scope.create(logits, shape));
			Peekaboo.Step r = Peekaboo.step(scope, image, null, alpha, composite, s, d, linear, new long[4]);
			double gravity = 0;
			for (float a : r.alpha().toFloatArray()) gravity += a;
			double value = linear.value(linear.seen) + s.gravity() * gravity;
			assertEquals(value, r.loss(), 1e-5 * Math.abs(value), "the step's loss");
			return value;
		}
	}

	@Test
	void gravityCompositingAndResizingMatchFiniteDifferences() {
		PeekabooSettings s = quick().withGravity(0.5f);
		try (NDManager m = NDManager.newBaseManager()) {
			int size = 8;
			NDArray image = image(size, size).toNDArray(m);
			Shape shape = new Shape(1, size, size);
			Peekaboo.Draws d = new Peekaboo.Draws(new float[] { 0.2f, 0.7f, 0.4f }, new long[] { 0 }, null, null);
			for (int composite : new int[] { 8, 16, 4 }) // no resize, bilinear up, area down
				for (boolean bilateral : new boolean[] { false, true }) {
					LinearLayer linear = new LinearLayer(new Shape(1, 3, composite, composite), composite);
					float[] logits = ParameterInit.gaussian(new SplittableRandom(7), size * size, 1);
					float[] gradient;
					try (NDManager scope = m.newSubManager();
						RasterAlpha alpha = bilateral ? new RasterAlpha(AlphaRepresentation.Kind.RASTER_BILATERAL, scope, 1,
							size, size, image, s.bilateral(), 0) : RasterAlpha.fromLogits(scope, scope.create(logits, shape)))
					{
						if (bilateral) alpha.parameters().get(0).stopGradient().muli(0).addi(scope.create(logits, shape));
						Peekaboo.step(scope, image, null, alpha, composite, s, d, linear, new long[4]);
						gradient = alpha.parameters().get(0).getGradient().toFloatArray();
						if (composite == size && !bilateral) {
							// the composite is α·x + (1 − α)·b, per channel
							float[] x = image.toFloatArray();
							for (int c = 0; c < 3; c++)
								for (int i = 0; i < size * size; i++) {
									double a = 1 / (1 + Math.exp(-logits[i]));
									assertEquals(a * x[c * size * size + i] + (1 - a) * d.backgrounds()[c],
										linear.seen[c * size * size + i], 1e-6);
								}
						}
					}
					double max = 0;
					for (float g : gradient) max = Math.max(max, Math.abs(g));
					double eps = 1e-2;
					for (int pixel : new int[] { 0, 7, 9, 27, 36, 63 }) {
						float[] plus = logits.clone(), minus = logits.clone();
						plus[pixel] += (float) eps;
						minus[pixel] -= (float) eps;
						double h = plus[pixel] - minus[pixel];
						double fd = (objective(m, image, plus, shape, composite, s, d, linear, bilateral) -
							objective(m, image, minus, shape, composite, s, d, linear, bilateral)) / h;
						assertEquals(fd, gradient[pixel], 2e-3 * max, "composite " + composite + (bilateral ? " bilateral" :
							"") + ", pixel " + pixel);
					}
				}
		}
	}

	@Test
	void sameSeedIsBitIdenticalAndAnotherSeedDiffers() {
		RgbPlanes img = image(40, 30);
		PeekabooSettings s = PeekabooSettings.defaults().withSize(32).withIterations(2).withTimelapseEvery(0);
		Peekaboo p = new Peekaboo(sd.get());
		float[] a = p.segment(img, null, List.of("a cat"), s.withSeed(3), NONE, none()).alpha()[0];
		float[] b = p.segment(img, null, List.of("a cat"), s.withSeed(3), NONE, none()).alpha()[0];
		float[] c = p.segment(img, null, List.of("a cat"), s.withSeed(4), NONE, none()).alpha()[0];
		assertArrayEquals(a, b);
		assertFalse(Arrays.equals(a, c));
	}

	@Test
	void resultsHaveTheOriginalGeometry() {
		Peekaboo p = new Peekaboo(sd.get());
		int[][] sizes = { { 1, 9 }, { 9, 1 }, { 7, 13 }, { 100, 37 }, { 100_000, 1 } };
		for (int[] wh : sizes) {
			int w = wh[0], h = wh[1];
			for (String method : new String[] { "crop", "scale" }) {
				Peekaboo.Segmentation r = p.segment(image(w, h), null, List.of("a cat"), quick().withSquare(method),
					NONE, none());
				String what = w + "x" + h + " " + method;
				assertEquals(w, r.width(), what);
				assertEquals(h, r.height(), what);
				assertEquals(w * h, r.alpha()[0].length, what);
				assertEquals(w * h, r.mask()[0].length, what);
				SquareRegion region = r.region();
				int side = Math.min(w, h);
				if (method.equals("crop")) assertEquals(new SquareRegion("crop", (w - side) / 2, (h - side) / 2, side, side, w,
					h), region, what);
				else assertEquals(new SquareRegion("scale", 0, 0, w, h, w, h), region, what);
				for (int y = 0; y < h; y++)
					for (int x = 0; x < w; x++) {
						boolean inside = x >= region.x() && x < region.x() + region.width() && y >= region.y() &&
							y < region.y() + region.height();
						float a = r.alpha()[0][y * w + x];
						byte mask = r.mask()[0][y * w + x];
						if (inside) {
							assertTrue(a > 0 && a < 1, what + " alpha " + a + " at " + x + "," + y);
							assertEquals(a > 0.5f ? (byte) 255 : 0, mask, what);
						}
						else {
							assertEquals(0f, a, what + " outside the crop at " + x + "," + y);
							assertEquals(0, mask, what);
						}
					}
			}
		}
	}

	@Test
	void aCancelledTokenStopsTheRunWhichReturnsNothing() {
		List<Integer> seen = new ArrayList<>();
		PeekabooSettings s = quick().withIterations(5);
		Peekaboo p = new Peekaboo(sd.get());
		CancelToken cancel = new CancelToken();
		assertEquals("enough", assertThrows(CancellationException.class, () -> p.segment(image(20, 20), null,
			List.of("a cat"), s, (stage, i, n) -> {
				assertEquals("iteration", stage);
				assertEquals(5, n);
				seen.add(i);
				if (i == 2) cancel.cancel("enough");
			}, cancel)).getMessage());
		assertEquals(List.of(1, 2), seen, "stops before the next iteration");
		seen.clear();
		CancelToken rgba = new CancelToken();
		assertThrows(CancellationException.class, () -> p.generateRgba("a cat", s, (stage, i, n) -> {
			seen.add(i);
			rgba.cancel("stop");
		}, rgba));
		assertEquals(List.of(1), seen);
		// cancelled during the last iteration: still nothing
		CancelToken last = new CancelToken();
		assertThrows(CancellationException.class, () -> p.segment(image(20, 20), null, List.of("a cat"),
			s.withIterations(1), (stage, i, n) -> last.cancel("late"), last));
	}

	@Test
	void theResultHoldsTheLossAndMeanAlphaOfEveryIteration() {
		PeekabooSettings s = quick().withIterations(3);
		Peekaboo.Segmentation r = new Peekaboo(sd.get()).segment(image(20, 20), null, List.of("a cat", "a dog"), s, NONE,
			none());
		assertEquals(3, r.losses().length);
		assertEquals(3, r.meanAlpha().length);
		for (int i = 0; i < 3; i++) {
			assertTrue(Double.isFinite(r.losses()[i]));
			assertEquals(2, r.meanAlpha()[i].length);
			for (double a : r.meanAlpha()[i]) assertTrue(a > 0 && a < 1, "mean alpha " + a);
		}
		Peekaboo.Rgba rgba = new Peekaboo(sd.get()).generateRgba("a cat", s.withIterations(2), NONE, none());
		assertEquals(2, rgba.meanAlpha().length);
		assertEquals(1, rgba.meanAlpha()[0].length);
	}

	@Test
	void badInputIsRefusedWithAClearMessageOrWarned() {
		Peekaboo p = new Peekaboo(sd.get());
		RgbPlanes img = image(20, 16);
		PeekabooSettings s = quick();
		String empty = assertThrows(IllegalArgumentException.class, () -> p.segment(img, null, List.of(), s,
			NONE, none())).getMessage();
		assertTrue(empty.contains("prompt"), empty);
		for (String prompt : new String[] { "", "  \t" }) {
			String m = assertThrows(IllegalArgumentException.class, () -> p.segment(img, null, List.of("a cat", prompt),
				s, NONE, none())).getMessage();
			assertTrue(m.contains("empty"), m);
			assertThrows(IllegalArgumentException.class, () -> p.generateRgba(prompt, s, NONE, none()));
		}
		String longPrompt = "a cat " + "and a dog ".repeat(40);
		Peekaboo.Segmentation r = p.segment(img, null, List.of(longPrompt), s, NONE, none());
		assertEquals(1, r.warnings().size(), r.warnings().toString());
		assertTrue(r.warnings().get(0).contains("only the first 75"), r.warnings().get(0));
		assertEquals(List.of(), p.segment(img, null, List.of("a cat"), s, NONE, none()).warnings());
		float[] nan = image(4, 4).data().clone();
		nan[5] = Float.NaN;
		String n = assertThrows(IllegalArgumentException.class, () -> new RgbPlanes(4, 4, nan)).getMessage();
		assertTrue(n.contains("NaN"), n);
		PeekabooSettings guided = s.withRepresentation("guided bilateral");
		String noGuide = assertThrows(IllegalArgumentException.class, () -> p.segment(img, null, List.of("a cat"),
			guided, NONE, none())).getMessage();
		assertTrue(noGuide.contains("guide"), noGuide);
		String wrongSize = assertThrows(IllegalArgumentException.class, () -> p.segment(img, new float[][] {
			new float[19 * 16] }, List.of("a cat"), guided, NONE, none())).getMessage();
		assertTrue(wrongSize.contains("20x16"), wrongSize);
		float[][] depth = { new float[20 * 16] };
		for (int i = 0; i < depth[0].length; i++) depth[0][i] = (i % 20) / 20f;
		assertEquals(20 * 16, p.segment(img, depth, List.of("a cat"), guided, NONE, none()).alpha()[0].length);
		String composite = assertThrows(IllegalArgumentException.class, () -> p.segment(img, null, List.of("a cat"),
			s.withCompositeSize(60), NONE, none())).getMessage();
		assertTrue(composite.contains("multiple of 8"), composite);
	}

	@Test
	void severalPromptsGiveOneAlphaEach() {
		PeekabooSettings s = quick().withIterations(2).withTimelapseEvery(1);
		Peekaboo.Segmentation r = new Peekaboo(sd.get()).segment(image(24, 20), null, List.of("a cat", "a dog", "a sky"), s,
			NONE, none());
		assertEquals(List.of("a cat", "a dog", "a sky"), r.prompts());
		assertEquals(3, r.alpha().length);
		assertEquals(3, r.mask().length);
		for (float[] a : r.alpha()) assertEquals(24 * 20, a.length);
		assertFalse(Arrays.equals(r.alpha()[0], r.alpha()[1]));
		assertFalse(Arrays.equals(r.alpha()[1], r.alpha()[2]));
		// timelapse after 0, 1 and 2 updates, three prompts each; the last frame is the result
		assertArrayEquals(new int[] { 0, 1, 2 }, r.timelapseIterations());
		assertEquals(3, r.timelapse().size());
		assertEquals(3, r.timelapse().get(0).length);
		for (int p = 0; p < 3; p++) assertArrayEquals(r.alpha()[p], r.timelapse().get(2)[p]);
		assertFalse(Arrays.equals(r.timelapse().get(0)[0], r.timelapse().get(2)[0]));
		assertEquals(2, r.losses().length);
		assertEquals(2, r.timings().iterations());
	}

	@Test
	void rgbaGenerationReturnsImageAlphaAndTimelapse() {
		PeekabooSettings s = PeekabooSettings.defaults().withSize(24).withIterations(5).withTimelapseEvery(2);
		Peekaboo.Rgba r = new Peekaboo(sd.get()).generateRgba("a red apple", s, NONE, none());
		assertEquals(24, r.size());
		assertEquals(3 * 24 * 24, r.rgb().length);
		assertEquals(24 * 24, r.alpha().length);
		for (float v : r.rgb()) assertTrue(v >= 0 && v <= 1);
		for (float v : r.alpha()) assertTrue(v >= 0 && v <= 1);
		// after 0, 2, 4 and 5 updates
		assertArrayEquals(new int[] { 0, 2, 4, 5 }, r.timelapseIterations());
		assertEquals(4, r.timelapse().size());
		for (float[] frame : r.timelapse()) assertEquals(4 * 24 * 24, frame.length);
		float[] last = r.timelapse().get(3);
		assertArrayEquals(r.rgb(), Arrays.copyOfRange(last, 0, 3 * 24 * 24));
		assertArrayEquals(r.alpha(), Arrays.copyOfRange(last, 3 * 24 * 24, 4 * 24 * 24));
		assertFalse(Arrays.equals(r.timelapse().get(0), last), "the image changes");
		assertEquals(5, r.losses().length);
	}
}
