package org.diffseg.sd.differential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.TestParams;

/**
 * Named weights for the plain formulation, the same numbers the production module gets. The plain code asks for
 * each tensor by its diffusers name and the shape it expects, so a name or shape the two formulations disagree on
 * fails the test, and {@link #unused()} names tensors the production module loaded but the plain code never read.
 */
final class Weights {
	private final Map<String, long[]> shapes = new LinkedHashMap<>();
	private final Map<String, double[]> values = new LinkedHashMap<>();
	private final TreeSet<String> read = new TreeSet<>();

	void put(String name, long[] shape, double[] v) {
		shapes.put(name, shape.clone());
		values.put(name, v);
	}

	/** The tensor of that name, which must have that shape. */
	double[] get(String name, long... shape) {
		long[] stored = shapes.get(name);
		if (stored == null) throw new AssertionError("the production module has no weight " + name + " " +
			Arrays.toString(shape) + " (it has " + shapes.keySet() + ")");
		if (!Arrays.equals(stored, shape)) throw new AssertionError(name + ": production shape " +
			Arrays.toString(stored) + ", plain formulation expects " + Arrays.toString(shape));
		read.add(name);
		return values.get(name);
	}

	/** Tensors never read by the plain formulation. */
	TreeSet<String> unused() {
		TreeSet<String> left = new TreeSet<>(values.keySet());
		left.removeAll(read);
		return left;
	}

	/**
	 * Random weights for the given names and shapes, every one non-trivial (no zero biases, no unit norm scales) so
	 * that each influences the output: norm scales 1 +- 0.3, biases and other vectors +- 0.3, matrices and kernels
	 * N(0, 1/fan-in). Values are float32-representable: both formulations see exactly the same numbers.
	 */
	static Weights random(Map<String, long[]> shapes, long seed) {
		SplittableRandom r = new SplittableRandom(seed);
		Weights w = new Weights();
		for (Map.Entry<String, long[]> e : shapes.entrySet()) {
			long[] shape = e.getValue();
			int n = 1, fanIn = 1;
			for (long d : shape) n *= (int) d;
			for (int i = 1; i < shape.length; i++) fanIn *= (int) shape[i];
			boolean vector = shape.length == 1;
			boolean normScale = vector && e.getKey().contains("norm") && e.getKey().endsWith(".weight");
			double[] v = new double[n];
			for (int i = 0; i < n; i++) {
				double g = r.nextGaussian();
				v[i] = (float) (normScale ? 1 + 0.3 * g : vector ? 0.3 * g : g / Math.sqrt(fanIn));
			}
			w.put(e.getKey(), shape, v);
		}
		return w;
	}

	/** The same weights as a production WeightStore in {@code m}. */
	WeightStore store(NDManager m) {
		Map<String, NDArray> arrays = new LinkedHashMap<>();
		for (Map.Entry<String, double[]> e : values.entrySet()) {
			double[] v = e.getValue();
			float[] f = new float[v.length];
			for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
			arrays.put(e.getKey(), m.create(f, new Shape(shapes.get(e.getKey()))));
		}
		return TestParams.of(m, arrays);
	}
}
