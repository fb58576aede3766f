package org.diffseg.sd.differential;

/** A batch of feature maps [n][c][h][w] in double precision, row-major: the plain formulation's image type. */
final class Image {
	final int n, c, h, w;
	final double[] v;

	Image(int n, int c, int h, int w) {
		this(n, c, h, w, new double[n * c * h * w]);
	}

	Image(int n, int c, int h, int w, double[] v) {
		if (v.length != n * c * h * w) throw new IllegalArgumentException(v.length + " values for " + n + "x" + c +
			"x" + h + "x" + w);
		this.n = n;
		this.c = c;
		this.h = h;
		this.w = w;
		this.v = v;
	}

	/** A value for each index [b][ch][y][x]. */
	interface Element {
		double at(int b, int ch, int y, int x);
	}

	/** The [n][c][h][w] image holding {@code f}'s value at each index. */
	static Image of(int n, int c, int h, int w, Element f) {
		Image y = new Image(n, c, h, w);
		for (int b = 0; b < n; b++)
			for (int ch = 0; ch < c; ch++)
				for (int yy = 0; yy < h; yy++)
					for (int xx = 0; xx < w; xx++) y.v[y.at(b, ch, yy, xx)] = f.at(b, ch, yy, xx);
		return y;
	}

	int at(int b, int ch, int y, int x) {
		return ((b * c + ch) * h + y) * w + x;
	}

	double get(int b, int ch, int y, int x) {
		return v[at(b, ch, y, x)];
	}
}
