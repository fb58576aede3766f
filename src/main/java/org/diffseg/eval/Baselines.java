package org.diffseg.eval;

import java.util.Locale;

import org.diffseg.synth.SceneGenerator;

/**
 * Two baselines that give the methods' numbers a meaning: the whole image, and a colour threshold that knows the
 * colour word of the prompt (a pixel is the object when its nearest colour of the world's palette is the prompt's
 * colour and lies within a distance of it).
 */
public final class Baselines {
	/** RGB distance (0..441) within which a pixel counts as the palette colour; about the shading and noise of the world. */
	public static final double DEFAULT_COLOUR_DISTANCE = 100;

	private Baselines() {}

	/** Every pixel. */
	public static boolean[] wholeImage(int pixels) {
		boolean[] m = new boolean[pixels];
		java.util.Arrays.fill(m, true);
		return m;
	}

	/** The first colour word of {@link SceneGenerator#COLOURS} in the prompt, or null. */
	public static String colourWord(String prompt) {
		for (String word : prompt.toLowerCase(Locale.ROOT).split("[^a-z]+"))
			if (SceneGenerator.COLOURS.contains(word)) return word;
		return null;
	}

	/**
	 * Pixels (packed 0xRRGGBB) whose nearest palette colour is {@code colour} and at most {@code maxDistance} away; an
	 * empty mask when the colour is null (the prompt names no colour of the palette).
	 */
	public static boolean[] colourThreshold(int[] rgb, String colour, double maxDistance) {
		boolean[] m = new boolean[rgb.length];
		if (colour == null) return m;
		int target = SceneGenerator.COLOURS.indexOf(colour);
		if (target < 0) throw new IllegalArgumentException("not a palette colour: " + colour);
		int n = SceneGenerator.PALETTE.size();
		int[][] palette = new int[n][];
		for (int k = 0; k < n; k++) {
			int p = SceneGenerator.PALETTE.get(k);
			palette[k] = new int[] { p >> 16 & 0xFF, p >> 8 & 0xFF, p & 0xFF };
		}
		double max2 = maxDistance * maxDistance;
		for (int i = 0; i < rgb.length; i++) {
			int r = rgb[i] >> 16 & 0xFF, g = rgb[i] >> 8 & 0xFF, b = rgb[i] & 0xFF;
			int best = -1;
			double bestD = Double.MAX_VALUE;
			for (int k = 0; k < n; k++) {
				double d = sq(r - palette[k][0]) + sq(g - palette[k][1]) + sq(b - palette[k][2]);
				if (d < bestD) { bestD = d; best = k; }
			}
			m[i] = best == target && bestD <= max2;
		}
		return m;
	}

	private static double sq(double x) {
		return x * x;
	}
}
