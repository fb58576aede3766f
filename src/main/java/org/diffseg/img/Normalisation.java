package org.diffseg.img;

import org.diffseg.run.DiffSegException;
import java.util.Arrays;

/**
 * Maps pixel values to [0, 1] for the networks. 8-bit and RGB values are divided by 255 exactly ({@link #exact8Bit});
 * other types (16-bit, 32-bit) are stretched between two percentiles of the plane and clamped ({@link #apply}), so a
 * few hot pixels or a camera offset do not squash the content. Percentiles interpolate linearly between order
 * statistics (numpy's default). When the two percentiles coincide (e.g. a mostly empty plane) the plane's minimum and
 * maximum are used instead; a constant plane maps to 0. Non-finite values (NaN, ±∞) are refused.
 *
 * @param lowPercentile value mapped to 0, in [0, 100)
 * @param highPercentile value mapped to 1, in (lowPercentile, 100]
 */
public record Normalisation(double lowPercentile, double highPercentile) {

	/** 0.1 and 99.9 percentiles. */
	public static final Normalisation DEFAULT = new Normalisation(0.1, 99.9);

	/** Plain min–max stretching. */
	public static final Normalisation MIN_MAX = new Normalisation(0, 100);

	public Normalisation {
		if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100))
			throw new IllegalArgumentException("Normalisation percentiles must satisfy 0 <= low < high <= 100 (got " +
				lowPercentile + ", " + highPercentile + ").");
	}

	/** 8-bit values: v / 255, exactly (no percentiles). */
	public static void exact8Bit(float[] values) {
		for (int i = 0; i < values.length; i++)
			values[i] = values[i] / 255f;
	}

	/**
	 * Stretches {@code values} in place to [0, 1] between the two percentiles.
	 *
	 * @param what names the data in the error message for non-finite values (e.g. "channel 2 of 'cells.tif'")
	 */
	public void apply(float[] values, String what) {
		requireFinite(values, what);
		if (values.length == 0) return;
		float[] sorted = values.clone();
		Arrays.sort(sorted);
		double lo = percentile(sorted, lowPercentile), hi = percentile(sorted, highPercentile);
		if (!(hi > lo)) {
			lo = sorted[0];
			hi = sorted[sorted.length - 1];
		}
		if (!(hi > lo)) {
			Arrays.fill(values, 0f);
			return;
		}
		double scale = 1 / (hi - lo);
		for (int i = 0; i < values.length; i++)
			values[i] = (float) Math.min(1, Math.max(0, (values[i] - lo) * scale));
	}

	/** The p-th percentile (0..100) of ascending {@code sorted}, linear interpolation between order statistics. */
	static double percentile(float[] sorted, double p) {
		double pos = p / 100 * (sorted.length - 1);
		int i = (int) Math.floor(pos);
		if (i >= sorted.length - 1) return sorted[sorted.length - 1];
		double frac = pos - i;
		return sorted[i] + frac * ((double) sorted[i + 1] - sorted[i]);
	}

	static void requireFinite(float[] values, String what) {
		for (int i = 0; i < values.length; i++)
			if (!Float.isFinite(values[i]))
				throw DiffSegException.image(what + " contains " + values[i] + " at pixel index " + i,
					"replace non-finite values first", DiffSegException.REPLACE_NON_FINITE);
	}
}
