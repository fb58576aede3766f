package org.diffseg.sd.nn;

/**
 * Plain-Java reference of torch's interpolate (align_corners=False) for single-channel maps, written from the
 * formulas of ATen's UpSample kernels, to check what DJL's interpolation computes.
 */
public final class TorchResize {
	private static final double A = -0.75;

	private TorchResize() {}

	/** mode="bicubic": source x = (dst + 0.5) * in/out - 0.5 (not clamped), 4 taps, border indices clamped. */
	public static double[] bicubic(double[] in, int h, int w, int oh, int ow) {
		double[] rows = new double[h * ow];
		for (int y = 0; y < h; y++) for (int x = 0; x < ow; x++) {
			double real = (x + 0.5) * w / ow - 0.5;
			int i0 = (int) Math.floor(real);
			double t = real - i0;
			double[] c = coefficients(t);
			double v = 0;
			for (int k = 0; k < 4; k++) v += c[k] * in[y * w + clamp(i0 - 1 + k, w)];
			rows[y * ow + x] = v;
		}
		double[] out = new double[oh * ow];
		for (int y = 0; y < oh; y++) {
			double real = (y + 0.5) * h / oh - 0.5;
			int i0 = (int) Math.floor(real);
			double[] c = coefficients(real - i0);
			for (int x = 0; x < ow; x++) {
				double v = 0;
				for (int k = 0; k < 4; k++) v += c[k] * rows[clamp(i0 - 1 + k, h) * ow + x];
				out[y * ow + x] = v;
			}
		}
		return out;
	}

	/** mode="bilinear": source x = max((dst + 0.5) * in/out - 0.5, 0), 2 taps, the upper one clamped. */
	public static double[] bilinear(double[] in, int h, int w, int oh, int ow) {
		double[] out = new double[oh * ow];
		for (int y = 0; y < oh; y++) {
			double ry = Math.max((y + 0.5) * h / oh - 0.5, 0);
			int y0 = (int) ry, y1 = Math.min(y0 + 1, h - 1);
			double ly = ry - y0;
			for (int x = 0; x < ow; x++) {
				double rx = Math.max((x + 0.5) * w / ow - 0.5, 0);
				int x0 = (int) rx, x1 = Math.min(x0 + 1, w - 1);
				double lx = rx - x0;
				out[y * ow + x] = (1 - ly) * ((1 - lx) * in[y0 * w + x0] + lx * in[y0 * w + x1]) +
					ly * ((1 - lx) * in[y1 * w + x0] + lx * in[y1 * w + x1]);
			}
		}
		return out;
	}

	private static double[] coefficients(double t) {
		return new double[] { cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t) };
	}

	private static double cubic1(double x) {
		return ((A + 2) * x - (A + 3)) * x * x + 1;
	}

	private static double cubic2(double x) {
		return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
	}

	private static int clamp(int i, int n) {
		return Math.max(0, Math.min(n - 1, i));
	}
}
