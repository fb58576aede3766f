package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Resizing of [..., h, w] float arrays with exactly the semantics of torch's {@code F.interpolate(...,
 * align_corners=False)}, written as two matrix products (rows, then columns). We do not use DJL's
 * {@code NDArrayEx.interpolation}: on the PyTorch engine (0.32) its bilinear and bicubic modes compute torch's
 * <em>antialiased</em> kernels (bicubic with a = -0.5, PIL style), not what the reference code calls, and they return
 * wrong values when an input dimension is 1 (e.g. the mid block's 1x1 attention map of a tiny model).
 */
public final class Resize {
	private static final double CUBIC_A = -0.75, PIL_CUBIC_A = -0.5;

	public enum Mode {
		/** torch "nearest": source index floor(dst * in / out). */
		NEAREST,
		/** torch "bilinear", align_corners=False, no antialiasing. */
		BILINEAR,
		/** torch "bicubic" (a = -0.75), align_corners=False, no antialiasing; values may overshoot. */
		BICUBIC,
		/** torch "bicubic" with antialias=True, i.e. PIL's bicubic resampling: for shrinking images. */
		BICUBIC_ANTIALIAS
	}

	private Resize() {}

	/** Resizes the last two axes; the result lives in {@code x}'s manager. */
	public static NDArray resize(NDArray x, long height, long width, Mode mode) {
		Shape s = x.getShape();
		int d = s.dimension();
		if (d < 2) throw new IllegalArgumentException("resize needs at least 2 axes, not " + s);
		int h = (int) s.get(d - 2), w = (int) s.get(d - 1);
		if (height <= 0 || width <= 0) throw new IllegalArgumentException("cannot resize to " + height + "x" + width);
		if (h == height && w == width) return x.duplicate();
		NDManager owner = x.getManager();
		try (NDManager tmp = owner.newSubManager(x.getDevice())) {
			NDArray flat = x.reshape(-1, h, w);
			flat.attach(tmp);
			if (flat.getDataType() != DataType.FLOAT32) flat = flat.toType(DataType.FLOAT32, false);
			// engine-owned copies: an array made from Java data borrows a direct buffer that is freed after tmp closes,
			// while autograd may keep the matrices for the backward pass (ResizeGradientTest)
			NDArray rows = tmp.create(weights(h, (int) height, mode), new Shape(height, h)).duplicate();
			NDArray colsT = tmp.create(weights(w, (int) width, mode), new Shape(width, w)).transpose().duplicate();
			NDArray out = rows.matMul(flat).matMul(colsT); // [n, height, width], in tmp
			long[] shape = s.getShape().clone();
			shape[d - 2] = height;
			shape[d - 1] = width;
			out = out.reshape(new Shape(shape));
			out.attach(owner);
			return out;
		}
	}

	/** The [out, in] interpolation matrix (row-major) of one axis. */
	static float[] weights(int in, int out, Mode mode) {
		float[] m = new float[out * in];
		double scale = (double) in / out;
		for (int o = 0; o < out; o++) {
			switch (mode) {
				case NEAREST -> m[o * in + Math.min((int) Math.floor(o * scale), in - 1)] = 1;
				case BILINEAR -> {
					double real = Math.max(scale * (o + 0.5) - 0.5, 0);
					int i0 = Math.min((int) real, in - 1), i1 = Math.min(i0 + 1, in - 1);
					double l1 = real - i0;
					m[o * in + i0] += (float) (1 - l1);
					m[o * in + i1] += (float) l1;
				}
				case BICUBIC -> {
					double real = scale * (o + 0.5) - 0.5;
					int i0 = (int) Math.floor(real);
					double t = real - i0;
					double[] c = { cubicFar(t + 1, CUBIC_A), cubicNear(t, CUBIC_A), cubicNear(1 - t, CUBIC_A),
						cubicFar(2 - t, CUBIC_A) };
					for (int k = 0; k < 4; k++) m[o * in + Math.max(0, Math.min(in - 1, i0 - 1 + k))] += (float) c[k];
				}
				case BICUBIC_ANTIALIAS -> {
					// support widens with the shrink factor so every input pixel contributes (PIL's resampling)
					double support = scale >= 1 ? 2 * scale : 2, inv = scale >= 1 ? 1 / scale : 1;
					double center = scale * (o + 0.5);
					int lo = Math.max((int) (center - support + 0.5), 0);
					int hi = Math.min((int) (center + support + 0.5), in);
					double total = 0;
					double[] c = new double[Math.max(hi - lo, 0)];
					for (int j = 0; j < c.length; j++) total += c[j] = pilCubic((j + lo - center + 0.5) * inv);
					for (int j = 0; j < c.length; j++) m[o * in + lo + j] += (float) (total != 0 ? c[j] / total : 0);
				}
			}
		}
		return m;
	}

	private static double cubicNear(double x, double a) {
		return ((a + 2) * x - (a + 3)) * x * x + 1;
	}

	private static double cubicFar(double x, double a) {
		return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
	}

	private static double pilCubic(double x) {
		x = Math.abs(x);
		if (x < 1) return cubicNear(x, PIL_CUBIC_A);
		if (x < 2) return cubicFar(x, PIL_CUBIC_A);
		return 0;
	}
}
