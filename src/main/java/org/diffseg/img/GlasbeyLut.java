package org.diffseg.img;

import ij.process.LUT;

/**
 * A 256-entry lookup table for label images after Glasbey et al. (2007, "Colour displays for categorical images"):
 * entry 0 (background) is black, and each next entry is the sRGB colour farthest, in CIELAB, from all entries before
 * it (greedy max–min over a 32-level-per-channel grid). Neighbouring labels therefore get clearly different colours
 * and none is close to the black background. Deterministic; computed once.
 */
public final class GlasbeyLut {

	private static final int LEVELS = 32;

	private GlasbeyLut() {}

	/** The table as ImageJ's {@link LUT}. */
	public static LUT lut() {
		int[] rgb = Holder.COLOURS;
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) (rgb[i] >> 16);
			g[i] = (byte) (rgb[i] >> 8);
			b[i] = (byte) rgb[i];
		}
		return new LUT(r, g, b);
	}

	/** The 256 colours as 0xRRGGBB; index 0 is 0x000000. */
	public static int[] colours() {
		return Holder.COLOURS.clone();
	}

	private static final class Holder {
		static final int[] COLOURS = generate();
	}

	private static int[] generate() {
		int n = LEVELS * LEVELS * LEVELS;
		int[] candidates = new int[n];
		double[][] lab = new double[n][];
		for (int i = 0; i < n; i++) {
			int r = level(i / (LEVELS * LEVELS)), g = level(i / LEVELS % LEVELS), b = level(i % LEVELS);
			candidates[i] = r << 16 | g << 8 | b;
			lab[i] = lab(r, g, b);
		}
		int[] chosen = new int[256];
		double[] nearest = new double[n]; // squared distance of each candidate to the closest colour chosen so far
		double[] black = lab(0, 0, 0);
		for (int i = 0; i < n; i++)
			nearest[i] = distance2(lab[i], black);
		for (int k = 1; k < 256; k++) {
			int best = 0;
			for (int i = 1; i < n; i++)
				if (nearest[i] > nearest[best]) best = i;
			chosen[k] = candidates[best];
			for (int i = 0; i < n; i++)
				nearest[i] = Math.min(nearest[i], distance2(lab[i], lab[best]));
		}
		return chosen;
	}

	private static int level(int i) {
		return (int) Math.round(i * 255.0 / (LEVELS - 1));
	}

	private static double distance2(double[] a, double[] b) {
		double dl = a[0] - b[0], da = a[1] - b[1], db = a[2] - b[2];
		return dl * dl + da * da + db * db;
	}

	/** sRGB (0..255) to CIELAB, D65 white. */
	static double[] lab(int r, int g, int b) {
		double lr = linear(r), lg = linear(g), lb = linear(b);
		double x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047;
		double y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb;
		double z = (0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb) / 1.08883;
		double fx = f(x), fy = f(y), fz = f(z);
		return new double[] { 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz) };
	}

	private static double linear(int c) {
		double v = c / 255.0;
		return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
	}

	private static double f(double t) {
		return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
	}
}
