package org.diffseg.sd.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.diffseg.sd.nn.WeightStore;

/** Moving data between the production module (float32 NDArrays) and the plain formulation, and comparing them. */
final class Harness {
	/** The fixtures' rule: max |actual - expected| <= BOUND * max |expected|. */
	static final double BOUND = 1e-4;

	private Harness() {}

	/** A production module built on random weights, and the same weights for the plain formulation. */
	record Built<T>(T module, Weights weights) {}

	/**
	 * Builds the module once on a shape-recording store (to learn the tensors it wants), draws random weights for
	 * them, and builds it again on those weights; the load must be complete (no missing or unexpected tensors).
	 */
	static <T> Built<T> build(NDManager m, long seed, Function<WeightStore.Scope, T> builder) {
		return build(m, seed, UnaryOperator.identity(), builder);
	}

	/** As {@link #build(NDManager, long, Function)}, storing each tensor under {@code rename(name)}. */
	static <T> Built<T> build(NDManager m, long seed, UnaryOperator<String> rename,
		Function<WeightStore.Scope, T> builder)
	{
		Weights w;
		try (WeightStore recording = WeightStore.recordingShapes("shapes", m)) {
			builder.apply(recording.scope(""));
			Map<String, long[]> shapes = new LinkedHashMap<>();
			recording.recordedShapes().forEach((name, shape) -> shapes.put(rename.apply(name), shape));
			w = Weights.random(shapes, seed);
		}
		WeightStore store = w.store(m);
		T module = builder.apply(store.scope(""));
		try {
			store.finish();
		}
		catch (WeightStore.ModelLoadException e) {
			throw new AssertionError(e.getMessage(), e);
		}
		return new Built<>(module, w);
	}

	/** Values in [-2, 2), float32-representable, so both formulations start from the same numbers. */
	static double[] randomValues(SplittableRandom r, int n) {
		double[] v = new double[n];
		for (int i = 0; i < n; i++) v[i] = (float) (4 * r.nextDouble() - 2);
		return v;
	}

	static Image randomImage(SplittableRandom r, int n, int c, int h, int w) {
		return new Image(n, c, h, w, randomValues(r, n * c * h * w));
	}

	static Tokens randomTokens(SplittableRandom r, int n, int t, int d) {
		return new Tokens(n, t, d, randomValues(r, n * t * d));
	}

	static NDArray nd(NDManager m, Image x) {
		return m.create(floats(x.v), new Shape(x.n, x.c, x.h, x.w));
	}

	static NDArray nd(NDManager m, Tokens x) {
		return m.create(floats(x.v), new Shape(x.n, x.t, x.d));
	}

	/**
	 * The same image with channels-last strides, the layout a Transformer2D output has inside the UNet: tokens
	 * [n, h*w, c] permuted back to [n, c, h, w], then an add (libtorch 2.5.1's CPU conv2d miscomputes some of these).
	 */
	static NDArray channelsLast(NDManager m, Image x) {
		Tokens t = Loops.toTokens(x);
		NDArray view = m.create(floats(t.v), new Shape(x.n, x.h, x.w, x.c)).transpose(0, 3, 1, 2);
		return view.add(m.zeros(new Shape(x.n, x.c, x.h, x.w)));
	}

	/** Either layout, as {@code channelsLast} says. */
	static NDArray nd(NDManager m, Image x, boolean channelsLast) {
		return channelsLast ? channelsLast(m, x) : nd(m, x);
	}

	static float[] floats(double[] v) {
		float[] f = new float[v.length];
		for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
		return f;
	}

	/** Asserts the fixtures' rule, with the shape checked too ({@code expectedShape} null to compare values only). */
	static void assertClose(NDArray actual, double[] expected, long[] expectedShape, String what) {
		if (expectedShape != null) assertEquals(new Shape(expectedShape), actual.getShape(), what + ": shape");
		float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
		assertEquals(expected.length, a.length, what + ": number of values");
		double worst = 0, scale = 0;
		int at = -1;
		for (int i = 0; i < a.length; i++) {
			double d = Math.abs(a[i] - expected[i]);
			if (Double.isNaN(d)) {
				worst = d;
				at = i;
				break;
			}
			if (d > worst) {
				worst = d;
				at = i;
			}
			scale = Math.max(scale, Math.abs(expected[i]));
		}
		assertTrue(scale > 0, what + ": the expected values are all zero (a test that proves nothing) or NaN");
		double relative = worst / scale;
		assertTrue(relative <= BOUND, // false for NaN too
			what + ": relative error " + relative + " > " + BOUND + " (at flat index " + at +
			": " + (at < 0 ? "" : a[at] + " instead of " + expected[at]) + ")");
	}

	static void assertClose(NDArray actual, Image expected, String what) {
		assertClose(actual, expected.v, new long[] { expected.n, expected.c, expected.h, expected.w }, what);
	}

	static void assertClose(NDArray actual, Tokens expected, String what) {
		assertClose(actual, expected.v, new long[] { expected.n, expected.t, expected.d }, what);
	}

	/**
	 * The production module recorded the stages the plain formulation did, each within the fixtures' rule (the first
	 * one that differs, in the plain formulation's order, is named).
	 */
	static void assertSameStages(Map<String, NDArray> taps, Map<String, double[]> expected, String what) {
		assertEquals(expected.keySet(), taps.keySet(), what + ": stages");
		for (Map.Entry<String, double[]> e : expected.entrySet())
			assertClose(taps.get(e.getKey()), e.getValue(), null, what + ", stage " + e.getKey());
	}

	static void assertAllRead(Weights w, String what) {
		assertTrue(w.unused().isEmpty(), what + ": the production module loads weights the plain formulation never " +
			"reads: " + w.unused());
	}

	/** Runs the production side; an exception it throws (e.g. mismatched shapes) is reported with the configuration. */
	static <T> T production(String what, Supplier<T> forward) {
		try {
			return forward.get();
		}
		catch (RuntimeException e) {
			throw new AssertionError(what + ": the production forward failed: " + e, e);
		}
	}

	/** Uniform integer in [lo, hi]. */
	static int between(SplittableRandom r, int lo, int hi) {
		return lo + r.nextInt(hi - lo + 1);
	}
}
