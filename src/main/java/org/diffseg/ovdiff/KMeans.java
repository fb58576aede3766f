package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Random;

/**
 * K-means for the part prototypes, as the authors run scikit-learn's {@code KMeans(n_clusters=32, random_state=0,
 * n_init="auto")}: one run from a greedy k-means++ initialisation (2 + ln K candidate centres per step, the one that
 * lowers the total squared distance most is kept), then Lloyd iterations until the labels stop changing or the
 * centres move less than 1e-4 times the mean per-dimension variance (at most 300 iterations); an emptied cluster is
 * re-seeded with the point farthest from its centre. Distances are matrix products, so ~130k points of ~1300
 * dimensions cluster in seconds; every step's temporaries are freed at once. Deterministic for a seed and device.
 */
public final class KMeans {
	public static final int MAX_ITERATIONS = 300;
	public static final double TOLERANCE = 1e-4;

	/**
	 * @param centroids [K, D] in the points' manager
	 * @param labels the cluster of every point
	 * @param sizes points per cluster
	 * @param inertia sum of squared distances to the assigned centres
	 */
	public record Result(NDArray centroids, int[] labels, int[] sizes, int iterations, double inertia) {}

	private KMeans() {}

	/** Clusters the rows of {@code points} [N, D] into min(k, N) clusters. */
	public static Result fit(NDArray points, int k, long seed) {
		Shape s = points.getShape();
		if (s.dimension() != 2 || s.get(0) == 0) throw new IllegalArgumentException("k-means needs a non-empty " +
			"[points, dims] array, not " + s);
		if (k <= 0) throw new IllegalArgumentException("k-means needs k >= 1, not " + k);
		int n = Math.toIntExact(s.get(0));
		int clusters = Math.min(k, n);
		NDManager owner = points.getManager();
		try (NDManager tmp = owner.newSubManager(points.getDevice())) {
			NDArray x = view(points, tmp);
			if (x.getDataType() != DataType.FLOAT32) x = x.toType(DataType.FLOAT32, false);
			NDArray x2 = squaredNorms(x, tmp);
			NDArray c = initialCentres(tmp, x, x2, clusters, new Random(seed));
			// mean per-dimension variance = (mean |x|^2 - |mean x|^2) / D, without an [N, D] temporary
			double meanSq = x2.sum().getFloat() / n, centre = x.mean(new int[] { 0 }).square().sum().getFloat();
			double tolerance = TOLERANCE * Math.max(meanSq - centre, 0) / s.get(1);
			int[] labels = null;
			int iterations = 0;
			boolean strict = false;
			while (iterations < MAX_ITERATIONS && !strict) {
				iterations++;
				try (NDManager step = tmp.newSubManager()) {
					c.attach(step); // the old centres go with this step
					NDArray d = distances(view(x, step), view(x2, step), c);
					int[] next = argMin(d);
					NDArray updated = centres(step, view(x, step), d, next, clusters);
					double shift = updated.sub(c).square().sum().getFloat();
					updated.attach(tmp);
					c = updated;
					strict = Arrays.equals(next, labels);
					labels = next;
					if (shift <= tolerance) break;
				}
			}
			double inertia = 0;
			try (NDManager last = tmp.newSubManager()) {
				NDArray d = distances(view(x, last), view(x2, last), c);
				if (!strict) labels = argMin(d); // labels of the final centres
				for (float v : d.min(new int[] { 1 }).toFloatArray()) inertia += Math.max(v, 0);
			}
			int[] sizes = new int[clusters];
			for (int l : labels) sizes[l]++;
			c.attach(owner);
			return new Result(c, labels, sizes, iterations, inertia);
		}
	}

	/** A new handle on the same data, owned by {@code m}: arrays derived from it are created in {@code m}. */
	private static NDArray view(NDArray a, NDManager m) {
		NDArray v = a.reshape(a.getShape());
		v.attach(m);
		return v;
	}

	/** Row norms squared, block by block so that no temporary as large as the points is made. */
	private static NDArray squaredNorms(NDArray x, NDManager keep) {
		long n = x.getShape().get(0), d = x.getShape().get(1);
		long block = Math.max(1, (1L << 22) / Math.max(d, 1));
		NDList parts = new NDList();
		for (long a = 0; a < n; a += block) {
			try (NDManager b = keep.newSubManager()) {
				NDArray part = view(x, b).get(a + ":" + Math.min(n, a + block)).square().sum(new int[] { 1 });
				part.attach(keep);
				parts.add(part);
			}
		}
		if (parts.size() == 1) return parts.get(0);
		NDArray all = NDArrays.concat(parts);
		parts.close();
		return all;
	}

	/** Squared distances [N, K] = |x|^2 - 2 x.c + |c|^2, created in {@code x}'s manager. */
	private static NDArray distances(NDArray x, NDArray x2, NDArray c) {
		NDArray cT = c.transpose();
		NDArray d = x.matMul(cT).mul(-2f).add(x2.expandDims(1));
		NDArray c2 = d.getManager().create(c.square().sum(new int[] { 1 }).toFloatArray(), new Shape(1, c.getShape().get(0)));
		return d.add(c2);
	}

	private static int[] argMin(NDArray d) {
		long[] l = d.argMin(1).toLongArray();
		int[] out = new int[l.length];
		for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
		return out;
	}

	/** Greedy k-means++ (scikit-learn's {@code _kmeans_plusplus}). */
	private static NDArray initialCentres(NDManager tmp, NDArray x, NDArray x2, int k, Random rng) {
		int n = (int) x.getShape().get(0);
		int trials = 2 + (int) Math.log(k);
		int[] chosen = new int[k];
		chosen[0] = rng.nextInt(n);
		NDArray closest;
		try (NDManager step = tmp.newSubManager()) {
			NDArray xs = view(x, step);
			closest = distances(xs, view(x2, step), xs.get(chosen[0]).expandDims(0)).squeeze(1).maximum(0f);
			closest.attach(tmp);
		}
		double potential = closest.sum().getFloat();
		for (int c = 1; c < k; c++) {
			float[] dist = closest.toFloatArray();
			double[] cumulative = new double[n];
			double acc = 0;
			for (int i = 0; i < n; i++) cumulative[i] = acc += dist[i];
			int[] candidates = new int[trials];
			for (int t = 0; t < trials; t++) {
				int i = Arrays.binarySearch(cumulative, rng.nextDouble() * potential);
				if (i < 0) i = -i - 1;
				else while (i > 0 && cumulative[i - 1] == cumulative[i]) i--; // numpy searchsorted, side="left"
				candidates[t] = Math.min(i, n - 1);
			}
			try (NDManager step = tmp.newSubManager()) {
				NDArray xs = view(x, step);
				NDArray options = distances(xs, view(x2, step), rows(xs, candidates)).maximum(0f)
					.minimum(view(closest, step).expandDims(1)); // [N, trials]
				float[] pots = options.sum(new int[] { 0 }).toFloatArray();
				int best = 0;
				for (int t = 1; t < trials; t++) if (pots[t] < pots[best]) best = t;
				chosen[c] = candidates[best];
				potential = pots[best];
				closest.close();
				closest = options.get(":, {}", best);
				closest.attach(tmp);
			}
		}
		closest.close();
		return rows(x, chosen);
	}

	/** Means of the assigned points; an empty cluster takes the point farthest from its own centre. */
	private static NDArray centres(NDManager step, NDArray x, NDArray d, int[] labels, int k) {
		int n = labels.length;
		int[] sizes = new int[k];
		for (int l : labels) sizes[l]++;
		float[] members = new float[k * n]; // [K, N] membership; sums first, then one division (exact for equal points)
		float[] divisors = new float[k];
		for (int i = 0; i < n; i++) members[labels[i] * n + i] = 1;
		for (int j = 0; j < k; j++) divisors[j] = Math.max(sizes[j], 1);
		NDArray c = step.create(members, new Shape(k, n)).matMul(x).div(step.create(divisors, new Shape(k, 1))); // [K, D]
		int empty = 0;
		for (int s : sizes) if (s == 0) empty++;
		if (empty == 0) return c;
		float[] own = d.min(new int[] { 1 }).toFloatArray();
		Integer[] order = new Integer[n];
		for (int i = 0; i < n; i++) order[i] = i;
		Arrays.sort(order, (a, b) -> Float.compare(own[b], own[a]));
		int next = 0;
		for (int j = 0; j < k; j++) if (sizes[j] == 0) c.set(new NDIndex("{}", j), x.get(order[next++]));
		return c;
	}

	private static NDArray rows(NDArray x, int[] index) {
		NDList list = new NDList();
		for (int i : index) list.add(x.get(i));
		NDArray out = NDArrays.stack(list);
		list.close();
		return out;
	}
}
