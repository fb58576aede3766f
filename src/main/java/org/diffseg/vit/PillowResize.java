package org.diffseg.vit;

/**
 * Pillow 9.4's {@code Image.resize} for 8-bit images, reproduced bit for bit (libImaging/Resample.c): a separable
 * convolution whose kernel widens with the downscale factor (antialiasing), weights rounded to 22-bit fixed point,
 * horizontal pass first with its result stored as uint8, then the vertical pass. The Hugging Face image processors
 * resize with it, so reproducing it makes preprocessing match theirs exactly; java.awt's scalers do not.
 */
public final class PillowResize {
	private PillowResize() {}

	/** The two resampling filters the CLIP and ViT processors use. */
	public enum Filter {
		/** Triangle, support 1 (PIL.Image.BILINEAR = 2). */
		BILINEAR(1.0),
		/** Keys' cubic with a = -0.5, support 2 (PIL.Image.BICUBIC = 3); torch's bicubic uses a = -0.75. */
		BICUBIC(2.0);

		final double support;

		Filter(double support) {
			this.support = support;
		}

		/** The filter of a PIL resample code, as stored in preprocessor_config.json's {@code resample}. */
		public static Filter ofPilCode(int code) {
			return switch (code) {
				case 2 -> BILINEAR;
				case 3 -> BICUBIC;
				default -> throw new IllegalArgumentException("resample " + code + " is not supported (supported: " +
					"2 = bilinear, 3 = bicubic); set \"resample\" in preprocessor_config.json to one of them");
			};
		}

		// Same operation order as Resample.c, so the doubles (and hence the fixed-point weights) are identical.
		double eval(double x) {
			if (x < 0.0) x = -x;
			if (this == BILINEAR) return x < 1.0 ? 1.0 - x : 0.0;
			final double a = -0.5;
			if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
			if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
			return 0.0;
		}
	}

	private static final int PRECISION_BITS = 32 - 8 - 2;

	/** Resizes to {@code outHeight} x {@code outWidth}; every channel independently. */
	public static Uint8Image resize(Uint8Image in, int outHeight, int outWidth, Filter filter) {
		if (outHeight <= 0 || outWidth <= 0) throw new IllegalArgumentException("cannot resize to " + outHeight + "x" +
			outWidth);
		Uint8Image out = in;
		if (outWidth != in.width()) out = pass(out, outWidth, filter, true);
		if (outHeight != in.height()) out = pass(out, outHeight, filter, false);
		return out;
	}

	/** Fixed-point weights of one axis: output i reads inputs {@code first[i]} .. {@code first[i] + weights[i].length - 1}. */
	record Coefficients(int[] first, int[][] weights) {}

	static Coefficients coefficients(int inSize, int outSize, Filter filter) {
		double scale = (double) inSize / outSize;
		double filterScale = Math.max(scale, 1.0);
		double support = filter.support * filterScale;
		double ss = 1.0 / filterScale;
		int[] first = new int[outSize];
		int[][] weights = new int[outSize][];
		for (int i = 0; i < outSize; i++) {
			double center = (i + 0.5) * scale;
			int xmin = Math.max((int) (center - support + 0.5), 0);
			int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
			double[] k = new double[Math.max(xmax, 0)];
			double sum = 0;
			for (int x = 0; x < k.length; x++) {
				k[x] = filter.eval((x + xmin - center + 0.5) * ss);
				sum += k[x];
			}
			int[] fixed = new int[k.length];
			for (int x = 0; x < k.length; x++) {
				double w = sum != 0.0 ? k[x] / sum : k[x];
				fixed[x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
			}
			first[i] = xmin;
			weights[i] = fixed;
		}
		return new Coefficients(first, weights);
	}

	private static Uint8Image pass(Uint8Image in, int outSize, Filter filter, boolean horizontal) {
		int h = in.height(), w = in.width(), ch = in.channels();
		Coefficients k = coefficients(horizontal ? w : h, outSize, filter);
		int oh = horizontal ? h : outSize, ow = horizontal ? outSize : w;
		byte[] src = in.data(), dst = new byte[oh * ow * ch];
		for (int y = 0; y < oh; y++)
			for (int x = 0; x < ow; x++) {
				int i = horizontal ? x : y;
				int[] wk = k.weights()[i];
				int start = k.first()[i];
				for (int c = 0; c < ch; c++) {
					int acc = 1 << (PRECISION_BITS - 1);
					for (int j = 0; j < wk.length; j++) {
						int sy = horizontal ? y : start + j, sx = horizontal ? start + j : x;
						acc += (src[(sy * w + sx) * ch + c] & 0xff) * wk[j];
					}
					dst[(y * ow + x) * ch + c] = (byte) clip8(acc);
				}
			}
		return new Uint8Image(oh, ow, ch, dst);
	}

	private static int clip8(int acc) {
		if (acc >= (1 << PRECISION_BITS << 8)) return 255;
		if (acc <= 0) return 0;
		return acc >> PRECISION_BITS;
	}
}
