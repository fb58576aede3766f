package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MaskSplitterTest {

	static HeatMap heat(float... v) {
		return new HeatMap(1, v.length, v);
	}

	@Test
	void thresholdSplitterIsStrict() {
		FgBgMasks m = new ThresholdSplitter().split(heat(0f, 0.19f, 0.2f, 0.5f, 0.51f, 1f));
		assertArrayEquals(new boolean[] { false, false, false, false, true, true }, m.fg());
		assertArrayEquals(new boolean[] { true, true, false, false, false, false }, m.bg());
		assertThrows(IllegalArgumentException.class, () -> new ThresholdSplitter(0.2, 0.5));
	}

	@Test
	void threeDistinctValuesGiveBinCentreThresholds() {
		// skimage: as many occupied bins as levels -> thresholds at the centres of all but the last occupied bin
		double[] t = MultiOtsuSplitter.multiOtsu(List.of(heat(0f, 0.5f, 1f, 0.5f)), 3);
		assertArrayEquals(new double[] { 0.5 / 256, 128.5 / 256 }, t, 1e-12);
		FgBgMasks m = new MultiOtsuSplitter(3, false).split(heat(0f, 0.5f, 1f, 0.5f));
		assertArrayEquals(new boolean[] { false, false, true, false }, m.fg());
		assertArrayEquals(new boolean[] { true, false, false, false }, m.bg());
	}

	static float[] groups(Random r, double[] centres, double spread, int each) {
		float[] v = new float[centres.length * each];
		for (int i = 0; i < v.length; i++) v[i] = (float) (centres[i % centres.length] + spread * (r.nextDouble() - 0.5));
		return v;
	}

	/**
	 * Like skimage, a threshold is the centre of the last histogram bin of its level, so values in the upper half of
	 * that bin land in the level above: group membership holds up to one bin width at the top of each group.
	 */
	@Test
	void topLevelIsForegroundBottomLevelIsBackground() {
		float[] v = groups(new Random(1), new double[] { 0.1, 0.45, 0.9 }, 0.1, 100);
		FgBgMasks m = new MultiOtsuSplitter(3, false).split(heat(v));
		double lo = 1, hi = 0, bottomMax = 0, middleMax = 0;
		for (int i = 0; i < v.length; i++) {
			lo = Math.min(lo, v[i]);
			hi = Math.max(hi, v[i]);
			if (i % 3 == 0) bottomMax = Math.max(bottomMax, v[i]);
			if (i % 3 == 1) middleMax = Math.max(middleMax, v[i]);
		}
		double bin = (hi - lo) / MultiOtsuSplitter.BINS;
		int edge = 0;
		for (int i = 0; i < v.length; i++) {
			boolean top = i % 3 == 2, bottom = i % 3 == 0;
			boolean nearBottomTop = bottom && v[i] > bottomMax - bin, nearMiddleTop = i % 3 == 1 && v[i] > middleMax - bin;
			if (nearBottomTop || nearMiddleTop) {
				edge++;
				continue;
			}
			assertEquals(top, m.fg()[i], "fg at " + v[i]);
			assertEquals(bottom, m.bg()[i], "bg at " + v[i]);
		}
		assertTrue(edge < 20, edge + " values within a bin of a threshold");
	}

	/** The search maximises the between-class variance sum_k w_k (mu_k - mu)^2, checked by brute force. */
	@Test
	void searchFindsTheMaximumBetweenClassVariance() {
		Random r = new Random(5);
		for (int trial = 0; trial < 5; trial++) {
			double[] hist = new double[40];
			for (int i = 0; i < hist.length; i++) hist[i] = r.nextInt(4) == 0 ? 0 : r.nextInt(50);
			for (int levels = 2; levels <= 4; levels++) {
				int[] found = MultiOtsuSplitter.bestThresholdIndices(hist, levels - 1);
				double best = bruteForce(hist, levels - 1);
				assertEquals(best, variance(hist, found), 1e-9, "trial " + trial + " levels " + levels);
			}
		}
	}

	private static double bruteForce(double[] hist, int t) {
		return best(hist, new int[t], 0, 0);
	}

	private static double best(double[] hist, int[] idx, int k, int from) {
		if (k == idx.length) return variance(hist, idx);
		double b = Double.NEGATIVE_INFINITY;
		for (int i = from; i < hist.length - (idx.length - k); i++) {
			idx[k] = i;
			b = Math.max(b, best(hist, idx, k + 1, i + 1));
		}
		return b;
	}

	private static double variance(double[] hist, int[] idx) {
		double total = 0, mean = 0;
		for (int i = 0; i < hist.length; i++) {
			total += hist[i];
			mean += hist[i] * i;
		}
		mean /= total;
		double v = 0;
		int from = 0;
		for (int k = 0; k <= idx.length; k++) {
			int to = k < idx.length ? idx[k] : hist.length - 1;
			double w = 0, s = 0;
			for (int i = from; i <= to; i++) {
				w += hist[i];
				s += hist[i] * i;
			}
			if (w > 0) v += w / total * Math.pow(s / w - mean, 2);
			from = to + 1;
		}
		return v;
	}

	@Test
	void pooledThresholdsComeFromTheWholeSupportSet() {
		Random r = new Random(2);
		HeatMap wide = heat(groups(r, new double[] { 0.1, 0.5, 0.9 }, 0.1, 50));
		HeatMap narrow = heat(groups(r, new double[] { 0.0, 0.15, 0.3 }, 0.05, 50));
		List<FgBgMasks> pooled = new MultiOtsuSplitter().splitSupportSet(List.of(wide, narrow));
		List<FgBgMasks> alone = new MultiOtsuSplitter(3, false).splitSupportSet(List.of(wide, narrow));
		assertEquals(0, pooled.get(1).fgCount(), "the narrow map has no value in the pooled top level");
		for (int i = 2; i < 150; i += 3) assertTrue(alone.get(1).fg()[i] && pooled.get(0).fg()[i], "top group at " + i);
		assertTrue(alone.get(1).fgCount() <= 52, "on its own, the narrow map's top group is its foreground");
	}

	@Test
	void constantMapFallsBackToFixedThresholds() {
		MultiOtsuSplitter s = new MultiOtsuSplitter();
		assertNull(MultiOtsuSplitter.multiOtsu(List.of(heat(0.3f, 0.3f)), 3));
		assertArrayEquals(new double[] { 0.2, 0.5 }, s.thresholds(List.of(heat(0.3f, 0.3f))));
		assertEquals("multiotsu(levels=3,pooled)", s.id());
		assertThrows(IllegalArgumentException.class, () -> new MultiOtsuSplitter(6, true));
	}
}
