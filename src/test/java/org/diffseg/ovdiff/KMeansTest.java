package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

import org.junit.jupiter.api.Test;

class KMeansTest extends TensorTest {
	/** Points around `centres`, point i belonging to blob i % centres.length. */
	static float[] blobs(double[][] centres, int n, double noise, long seed) {
		int d = centres[0].length;
		Random r = new Random(seed);
		float[] p = new float[n * d];
		for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) p[i * d + j] = (float) (centres[i % centres.length][j] +
			noise * r.nextGaussian());
		return p;
	}

	@Test
	void separatesBlobsAndIsAFixedPointOfLloyd() {
		double[][] centres = { { 0, 0, 0, 0 }, { 10, 0, 0, 0 }, { 0, 10, 0, 5 } };
		int n = 300, d = 4;
		float[] p = blobs(centres, n, 0.5, 3);
		try (NDManager s = m.newSubManager()) {
			KMeans.Result r = KMeans.fit(s.create(p, new Shape(n, d)), 3, 0);
			// every blob is one cluster
			for (int i = 3; i < n; i++) assertEquals(r.labels()[i % 3], r.labels()[i], "point " + i);
			assertEquals(3, java.util.Arrays.stream(new int[] { r.labels()[0], r.labels()[1], r.labels()[2] }).distinct().count());
			assertArrayEquals(new int[] { 100, 100, 100 }, r.sizes());
			assertFixedPoint(p, n, d, r);
		}
	}

	/** Lloyd's fixed point: every centre is the mean of its points, every point is nearest to its own centre. */
	static void assertFixedPoint(float[] p, int n, int d, KMeans.Result r) {
		float[] c = r.centroids().toFloatArray();
		int k = r.sizes().length;
		double[] mean = new double[k * d];
		for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[r.labels()[i] * d + j] += p[i * d + j];
		double inertia = 0;
		for (int q = 0; q < k; q++) for (int j = 0; j < d; j++) {
			if (r.sizes()[q] == 0) continue;
			assertEquals(mean[q * d + j] / r.sizes()[q], c[q * d + j], 1e-3, "centre " + q);
		}
		for (int i = 0; i < n; i++) {
			double own = 0, best = Double.MAX_VALUE;
			for (int q = 0; q < k; q++) {
				double dist = 0;
				for (int j = 0; j < d; j++) dist += Math.pow(p[i * d + j] - c[q * d + j], 2);
				if (q == r.labels()[i]) own = dist;
				best = Math.min(best, dist);
			}
			assertTrue(own <= best + 1e-3, "point " + i + " is not with its nearest centre");
			inertia += own;
		}
		assertEquals(inertia, r.inertia(), 1e-3 * Math.max(1, inertia));
	}

	@Test
	void deterministicForASeed() {
		float[] p = blobs(new double[][] { { 0, 0 }, { 1, 1 }, { 5, 0 }, { 0, 5 } }, 400, 1.0, 7);
		try (NDManager s = m.newSubManager()) {
			NDArray x = s.create(p, new Shape(400, 2));
			KMeans.Result a = KMeans.fit(x, 8, 42), b = KMeans.fit(x, 8, 42);
			assertArrayEquals(a.labels(), b.labels());
			assertArrayEquals(a.centroids().toFloatArray(), b.centroids().toFloatArray());
			assertFixedPoint(p, 400, 2, a);
		}
	}

	@Test
	void fewerPointsThanClustersGivesOneClusterPerPoint() {
		float[] p = { 0, 0, 1, 0, 0, 1 };
		try (NDManager s = m.newSubManager()) {
			KMeans.Result r = KMeans.fit(s.create(p, new Shape(3, 2)), 32, 0);
			assertEquals(3, r.sizes().length);
			assertArrayEquals(new long[] { 3, 2 }, r.centroids().getShape().getShape());
			assertEquals(0, r.inertia(), 1e-6);
			assertEquals(3, java.util.Arrays.stream(r.labels()).distinct().count());
		}
	}

	@Test
	void refusesNoPoints() {
		assertThrows(IllegalArgumentException.class, () -> KMeans.fit(m.zeros(new Shape(0, 3)), 4, 0));
	}
}
