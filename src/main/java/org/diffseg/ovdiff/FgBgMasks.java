package org.diffseg.ovdiff;

/**
 * The foreground and background regions of one support image (row-major, {@code fg[y * width + x]}). Pixels in
 * neither are ignored: the split leaves an uncertain band between them on purpose.
 */
public record FgBgMasks(int height, int width, boolean[] fg, boolean[] bg) {
	public FgBgMasks {
		long n = (long) height * width;
		if (height <= 0 || width <= 0 || fg.length != n || bg.length != n) throw new IllegalArgumentException(
			"masks of " + height + "x" + width + " need " + n + " values each, not " + fg.length + " and " + bg.length);
	}

	public int fgCount() {
		return count(fg);
	}

	public int bgCount() {
		return count(bg);
	}

	private static int count(boolean[] m) {
		int c = 0;
		for (boolean b : m) if (b) c++;
		return c;
	}
}
