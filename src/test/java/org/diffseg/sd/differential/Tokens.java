package org.diffseg.sd.differential;

/** A batch of token sequences [n][t][d] in double precision, row-major: the plain formulation's sequence type. */
final class Tokens {
	final int n, t, d;
	final double[] v;

	Tokens(int n, int t, int d) {
		this(n, t, d, new double[n * t * d]);
	}

	Tokens(int n, int t, int d, double[] v) {
		if (v.length != n * t * d) throw new IllegalArgumentException(v.length + " values for " + n + "x" + t + "x" + d);
		this.n = n;
		this.t = t;
		this.d = d;
		this.v = v;
	}

	/** A value for each index [b][i][f]. */
	interface Element {
		double at(int b, int i, int f);
	}

	/** The [n][t][d] sequences holding {@code e}'s value at each index. */
	static Tokens of(int n, int t, int d, Element e) {
		Tokens y = new Tokens(n, t, d);
		for (int b = 0; b < n; b++)
			for (int i = 0; i < t; i++)
				for (int f = 0; f < d; f++) y.v[y.at(b, i, f)] = e.at(b, i, f);
		return y;
	}

	int at(int b, int i, int f) {
		return (b * t + i) * d + f;
	}

	double get(int b, int i, int f) {
		return v[at(b, i, f)];
	}
}
