package org.diffseg.ovdiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Adaptive split by multi-level Otsu thresholding of the heat values: the values are cut into {@code classes} levels
 * by the thresholds that maximise the between-class variance of their histogram; the top level is foreground, the
 * bottom level background and the levels in between are left out. The default (3 levels, thresholds estimated from
 * the whole support set of a class) is what the authors' code does with skimage's {@code threshold_multiotsu}: the
 * same 256-bin histogram over [min, max] of the values, the same exhaustive search (first maximum wins) and bin
 * centres as thresholds, foreground = heat &gt; top threshold, background = heat &lt; bottom threshold. Where the
 * values have fewer distinct histogram bins than levels no thresholds exist; like the authors' code we then fall
 * back to the fixed thresholds of {@link ThresholdSplitter}.
 */
public final class MultiOtsuSplitter implements MaskSplitter {
	public static final int BINS = 256;
	/** The exhaustive search visits C(255, classes - 1) threshold sets; 5 levels is ~1.7e8, still about a second. */
	public static final int MAX_CLASSES = 5;

	private final int classes;
	private final boolean pooled;

	/** Three levels, thresholds from the whole support set (the authors' setting). */
	public MultiOtsuSplitter() {
		this(3, true);
	}

	/**
	 * @param classes number of levels (2 = classic Otsu: everything is fg or bg)
	 * @param pooled estimate the thresholds once from all heat maps of a support set (true) or per image (false)
	 */
	public MultiOtsuSplitter(int classes, boolean pooled) {
		if (classes < 2 || classes > MAX_CLASSES) throw new IllegalArgumentException("multi-level Otsu needs 2 to " +
			MAX_CLASSES + " levels, not " + classes);
		this.classes = classes;
		this.pooled = pooled;
	}

	@Override
	public String id() {
		return "multiotsu(levels=" + classes + (pooled ? ",pooled" : ",per-image") + ")";
	}

	@Override
	public FgBgMasks split(HeatMap heat) {
		double[] t = thresholds(List.of(heat));
		return MaskSplitter.threshold(heat, t[1], t[0]);
	}

	@Override
	public List<FgBgMasks> splitSupportSet(List<HeatMap> heats) {
		if (!pooled) return MaskSplitter.super.splitSupportSet(heats);
		double[] t = thresholds(heats);
		List<FgBgMasks> out = new ArrayList<>(heats.size());
		for (HeatMap h : heats) out.add(MaskSplitter.threshold(h, t[1], t[0]));
		return out;
	}

	/** {bottom threshold, top threshold} for these heat maps, or the fixed fallback where Otsu has no answer. */
	double[] thresholds(List<HeatMap> heats) {
		double[] t = multiOtsu(heats, classes);
		if (t == null) return new double[] { ThresholdSplitter.DEFAULT_BG, ThresholdSplitter.DEFAULT_FG };
		return new double[] { t[0], t[t.length - 1] };
	}

	/**
	 * The {@code classes - 1} multi-level Otsu thresholds (ascending) of all values, or null when the values fill
	 * fewer than {@code classes} histogram bins.
	 */
	static double[] multiOtsu(List<HeatMap> heats, int classes) {
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (HeatMap h : heats) for (float v : h.values()) {
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		if (!(hi > lo)) return null; // no values, or all equal: one bin
		// numpy.histogram(values, 256, range=(min, max)): equal bins, the last one closed
		double[] edges = new double[BINS + 1];
		for (int i = 0; i <= BINS; i++) edges[i] = i == BINS ? hi : lo + (hi - lo) * i / BINS;
		double[] hist = new double[BINS];
		double norm = BINS / (hi - lo);
		for (HeatMap h : heats) for (float v : h.values()) {
			int b = (int) ((v - lo) * norm);
			if (b >= BINS) b = BINS - 1;
			if (v < edges[b]) b--;
			else if (b < BINS - 1 && v >= edges[b + 1]) b++;
			hist[b]++;
		}
		int nonEmpty = 0;
		for (double c : hist) if (c > 0) nonEmpty++;
		if (nonEmpty < classes) return null;
		int[] idx = new int[classes - 1];
		if (nonEmpty == classes) {
			// every occupied bin but the last ends a class
			int k = 0;
			for (int b = 0; b < BINS && k < idx.length; b++) if (hist[b] > 0) idx[k++] = b;
		}
		else idx = bestThresholdIndices(hist, classes - 1);
		double[] t = new double[idx.length];
		for (int i = 0; i < idx.length; i++) t[i] = (edges[idx[i]] + edges[idx[i] + 1]) / 2;
		return t;
	}

	/**
	 * Exhaustive search for the threshold bins maximising the between-class variance, in skimage's order (a later
	 * set must be strictly better). Class k spans bins (idx[k-1], idx[k]]; with bin index as the value, the variance
	 * term of a class is S^2 / P (P its probability mass, S its first moment).
	 */
	static int[] bestThresholdIndices(double[] hist, int thresholds) {
		int n = hist.length;
		double total = 0;
		for (double c : hist) total += c;
		double[] cumP = new double[n + 1], cumS = new double[n + 1];
		for (int i = 0; i < n; i++) {
			double p = hist[i] / total;
			cumP[i + 1] = cumP[i] + p;
			cumS[i + 1] = cumS[i] + p * i;
		}
		Search s = new Search(cumP, cumS, n, thresholds);
		s.visit(0, 0, 0);
		return s.best;
	}

	private static final class Search {
		final double[] cumP, cumS;
		final int n, count;
		final int[] current, best;
		double bestSigma = Double.NEGATIVE_INFINITY;

		Search(double[] cumP, double[] cumS, int n, int count) {
			this.cumP = cumP;
			this.cumS = cumS;
			this.n = n;
			this.count = count;
			current = new int[count];
			best = new int[count];
		}

		/** Class term of bins from..to inclusive. */
		double term(int from, int to) {
			double p = cumP[to + 1] - cumP[from], s = cumS[to + 1] - cumS[from];
			return p > 0 ? s * s / p : 0;
		}

		void visit(int first, int k, double partial) {
			if (k == count) {
				double sigma = partial + term(first, n - 1);
				if (sigma > bestSigma) {
					bestSigma = sigma;
					System.arraycopy(current, 0, best, 0, count);
				}
				return;
			}
			for (int idx = first; idx < n - count + k; idx++) {
				current[k] = idx;
				visit(idx + 1, k + 1, partial + term(first, idx));
			}
		}
	}
}
