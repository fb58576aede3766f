package org.diffseg.sd.differential;

/**
 * The arithmetic of Stable Diffusion written out as loops in double precision, from the torch definitions, sharing
 * nothing with the production code: the second formulation the differential tests compare against. Slow and
 * obvious on purpose.
 */
final class Loops {
	private Loops() {}

	/**
	 * torch.nn.functional.conv2d with a square kernel and zero padding that may differ per side (the VAE's
	 * downsampler pads only the bottom and the right). Weight [out][in][k][k].
	 */
	static Image conv2d(Image x, double[] weight, double[] bias, int out, int k, int stride, int padTop, int padLeft,
		int padBottom, int padRight)
	{
		if (weight.length != out * x.c * k * k) throw new IllegalArgumentException("conv weight has " + weight.length +
			" values, expected " + out + "x" + x.c + "x" + k + "x" + k);
		int oh = (x.h + padTop + padBottom - k) / stride + 1;
		int ow = (x.w + padLeft + padRight - k) / stride + 1;
		Image y = new Image(x.n, out, oh, ow);
		for (int b = 0; b < x.n; b++)
			for (int o = 0; o < out; o++)
				for (int oy = 0; oy < oh; oy++)
					for (int ox = 0; ox < ow; ox++) {
						double sum = bias[o];
						for (int i = 0; i < x.c; i++)
							for (int ky = 0; ky < k; ky++) {
								int iy = oy * stride - padTop + ky;
								if (iy < 0 || iy >= x.h) continue; // zero padding
								for (int kx = 0; kx < k; kx++) {
									int ix = ox * stride - padLeft + kx;
									if (ix < 0 || ix >= x.w) continue;
									sum += x.get(b, i, iy, ix) * weight[((o * x.c + i) * k + ky) * k + kx];
								}
							}
						y.v[y.at(b, o, oy, ox)] = sum;
					}
		return y;
	}

	/** conv2d with the same padding on every side. */
	static Image conv2d(Image x, double[] weight, double[] bias, int out, int k, int stride, int pad) {
		return conv2d(x, weight, bias, out, k, stride, pad, pad, pad, pad);
	}

	/** torch.nn.GroupNorm: mean and biased variance over each group's channels and all pixels, then affine. */
	static Image groupNorm(Image x, int groups, double[] gamma, double[] beta, double eps) {
		if (x.c % groups != 0) throw new IllegalArgumentException(x.c + " channels, " + groups + " groups");
		int perGroup = x.c / groups;
		Image y = new Image(x.n, x.c, x.h, x.w);
		for (int b = 0; b < x.n; b++)
			for (int g = 0; g < groups; g++) {
				double sum = 0;
				int count = perGroup * x.h * x.w;
				for (int ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
					for (int yy = 0; yy < x.h; yy++)
						for (int xx = 0; xx < x.w; xx++) sum += x.get(b, ch, yy, xx);
				double mean = sum / count;
				double squares = 0;
				for (int ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
					for (int yy = 0; yy < x.h; yy++)
						for (int xx = 0; xx < x.w; xx++) {
							double d = x.get(b, ch, yy, xx) - mean;
							squares += d * d;
						}
				double invStd = 1 / Math.sqrt(squares / count + eps);
				for (int ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
					for (int yy = 0; yy < x.h; yy++)
						for (int xx = 0; xx < x.w; xx++) {
							int i = x.at(b, ch, yy, xx);
							y.v[i] = (x.v[i] - mean) * invStd * gamma[ch] + beta[ch];
						}
			}
		return y;
	}

	/** torch.nn.LayerNorm over the feature axis. */
	static Tokens layerNorm(Tokens x, double[] gamma, double[] beta, double eps) {
		Tokens y = new Tokens(x.n, x.t, x.d);
		for (int b = 0; b < x.n; b++)
			for (int i = 0; i < x.t; i++) {
				double sum = 0;
				for (int f = 0; f < x.d; f++) sum += x.get(b, i, f);
				double mean = sum / x.d, squares = 0;
				for (int f = 0; f < x.d; f++) squares += (x.get(b, i, f) - mean) * (x.get(b, i, f) - mean);
				double invStd = 1 / Math.sqrt(squares / x.d + eps);
				for (int f = 0; f < x.d; f++) y.v[y.at(b, i, f)] = (x.get(b, i, f) - mean) * invStd * gamma[f] + beta[f];
			}
		return y;
	}

	/** torch.nn.Linear: y = x W^T + b, weight [out][in]; bias may be null. */
	static Tokens linear(Tokens x, double[] weight, double[] bias, int out) {
		if (weight.length != out * x.d) throw new IllegalArgumentException("linear weight has " + weight.length +
			" values, expected " + out + "x" + x.d);
		Tokens y = new Tokens(x.n, x.t, out);
		for (int b = 0; b < x.n; b++)
			for (int i = 0; i < x.t; i++)
				for (int o = 0; o < out; o++) {
					double sum = bias == null ? 0 : bias[o];
					for (int f = 0; f < x.d; f++) sum += x.get(b, i, f) * weight[o * x.d + f];
					y.v[y.at(b, i, o)] = sum;
				}
		return y;
	}

	/** One vector through torch.nn.Linear. */
	static double[] linear(double[] x, double[] weight, double[] bias, int out) {
		return linear(new Tokens(1, 1, x.length, x), weight, bias, out).v;
	}

	/**
	 * Scaled dot-product attention split into heads: head h owns features [h*d, (h+1)*d) of q, k and v, where
	 * d = features / heads; softmax(q k^T / sqrt(d)) v per head, heads written back side by side.
	 *
	 * @param causal query i attends to keys 0..i only (CLIP's text encoder)
	 * @param probs if not null, receives the probabilities [n*heads][tq][tk] (batch-major rows b*heads + h)
	 */
	static Tokens attention(Tokens q, Tokens k, Tokens v, int heads, boolean causal, double[] probs) {
		int d = q.d / heads;
		double scale = 1 / Math.sqrt(d);
		Tokens out = new Tokens(q.n, q.t, q.d);
		double[] p = new double[k.t];
		for (int b = 0; b < q.n; b++)
			for (int h = 0; h < heads; h++)
				for (int i = 0; i < q.t; i++) {
					double max = Double.NEGATIVE_INFINITY;
					for (int j = 0; j < k.t; j++) {
						if (causal && j > i) {
							p[j] = Double.NEGATIVE_INFINITY; // exp gives 0
							continue;
						}
						double s = 0;
						for (int f = 0; f < d; f++) s += q.get(b, i, h * d + f) * k.get(b, j, h * d + f);
						p[j] = s * scale;
						max = Math.max(max, p[j]);
					}
					double total = 0;
					for (int j = 0; j < k.t; j++) total += p[j] = Math.exp(p[j] - max);
					for (int j = 0; j < k.t; j++) p[j] /= total;
					if (probs != null) System.arraycopy(p, 0, probs, ((b * heads + h) * q.t + i) * k.t, k.t);
					for (int f = 0; f < d; f++) {
						double s = 0;
						for (int j = 0; j < k.t; j++) s += p[j] * v.get(b, j, h * d + f);
						out.v[out.at(b, i, h * d + f)] = s;
					}
				}
		return out;
	}

	/** CLIP's quick_gelu: x * sigmoid(1.702 x). */
	static double quickGelu(double x) {
		return x / (1 + Math.exp(-1.702 * x));
	}

	static double silu(double x) {
		return x / (1 + Math.exp(-x));
	}

	static Image silu(Image x) {
		Image y = new Image(x.n, x.c, x.h, x.w);
		for (int i = 0; i < x.v.length; i++) y.v[i] = silu(x.v[i]);
		return y;
	}

	static double[] silu(double[] x) {
		double[] y = new double[x.length];
		for (int i = 0; i < x.length; i++) y[i] = silu(x[i]);
		return y;
	}

	/** Exact GELU: x * Phi(x) = x/2 (1 + erf(x / sqrt 2)). */
	static double gelu(double x) {
		return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
	}

	/**
	 * erf by its everywhere-convergent series of positive terms, erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) /
	 * (1*3*...*(2n+1)): no cancellation, so accurate to double rounding; |erf| = 1 in double beyond |x| = 6.
	 */
	static double erf(double x) {
		double a = Math.abs(x);
		if (a >= 6) return Math.signum(x);
		double term = a, sum = a;
		for (int n = 1; term > 1e-17 * sum; n++) {
			term *= 2 * a * a / (2 * n + 1);
			sum += term;
		}
		return Math.signum(x) * 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
	}

	/** GEGLU: project to 2*inner features, first half times GELU of the second half. */
	static Tokens geglu(Tokens x, double[] weight, double[] bias, int inner) {
		Tokens both = linear(x, weight, bias, 2 * inner);
		return Tokens.of(x.n, x.t, inner, (b, i, f) -> both.get(b, i, f) * gelu(both.get(b, i, inner + f)));
	}

	/** torch nearest interpolation to a given size: source index floor(dst * in / out), in integers. */
	static Image nearest(Image x, int oh, int ow) {
		return Image.of(x.n, x.c, oh, ow, (b, ch, yy, xx) -> x.get(b, ch, yy * x.h / oh, xx * x.w / ow));
	}

	/** [n][c][h][w] to [n][h*w][c]: token index y*w + x. */
	static Tokens toTokens(Image x) {
		return Tokens.of(x.n, x.h * x.w, x.c, (b, i, ch) -> x.get(b, ch, i / x.w, i % x.w));
	}

	static Image toImage(Tokens t, int h, int w) {
		return Image.of(t.n, t.d, h, w, (b, ch, yy, xx) -> t.get(b, yy * w + xx, ch));
	}

	/** torch.cat along channels. */
	static Image concatChannels(Image a, Image b) {
		return Image.of(a.n, a.c + b.c, a.h, a.w, (n, ch, yy, xx) -> ch < a.c ? a.get(n, ch, yy, xx) :
			b.get(n, ch - a.c, yy, xx));
	}

	static Image add(Image a, Image b) {
		Image y = new Image(a.n, a.c, a.h, a.w);
		for (int i = 0; i < a.v.length; i++) y.v[i] = a.v[i] + b.v[i];
		return y;
	}

	static Tokens add(Tokens a, Tokens b) {
		Tokens y = new Tokens(a.n, a.t, a.d);
		for (int i = 0; i < a.v.length; i++) y.v[i] = a.v[i] + b.v[i];
		return y;
	}

	/** Channels [from, to) of x. */
	static Image channels(Image x, int from, int to) {
		return Image.of(x.n, to - from, x.h, x.w, (b, ch, yy, xx) -> x.get(b, from + ch, yy, xx));
	}
}
