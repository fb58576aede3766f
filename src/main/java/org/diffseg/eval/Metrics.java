package org.diffseg.eval;

/** Overlap of a predicted mask with the true one. Masks are {@code width*height}, row-major. */
public final class Metrics {
	private Metrics() {}

	/** Intersection over union; 1 when both masks are empty (nothing to find, nothing found). */
	public static double iou(boolean[] truth, boolean[] prediction) {
		long[] c = counts(truth, prediction);
		long union = c[0] + c[1] - c[2];
		return union == 0 ? 1 : (double) c[2] / union;
	}

	/** Dice coefficient 2|T∩P| / (|T| + |P|); 1 when both masks are empty. */
	public static double dice(boolean[] truth, boolean[] prediction) {
		long[] c = counts(truth, prediction);
		return c[0] + c[1] == 0 ? 1 : 2.0 * c[2] / (c[0] + c[1]);
	}

	/** |T|, |P|, |T∩P|. */
	private static long[] counts(boolean[] truth, boolean[] prediction) {
		if (truth.length != prediction.length) throw new IllegalArgumentException("the masks have " + truth.length +
			" and " + prediction.length + " pixels: compare masks of the same image size");
		long t = 0, p = 0, both = 0;
		for (int i = 0; i < truth.length; i++) {
			if (truth[i]) t++;
			if (prediction[i]) p++;
			if (truth[i] && prediction[i]) both++;
		}
		return new long[] { t, p, both };
	}

	/** Mean of the values; NaN when there are none. */
	public static double mean(double[] values) {
		if (values.length == 0) return Double.NaN;
		double s = 0;
		for (double v : values) s += v;
		return s / values.length;
	}
}
