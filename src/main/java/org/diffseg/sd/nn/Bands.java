package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The large convolutions of an inference pass (the VAE decoder at 256 px and up) computed in horizontal bands of rows,
 * each written into the preallocated output: GroupNorm → SiLU → 3x3 convolution, and nearest 2x upsampling → 3x3
 * convolution. Done whole, each keeps several full-size tensors alive at once (the normalised input, its SiLU, the
 * upsampled input, and the copy oneDNN makes of a convolution's input: at 512 px in the decoder's last block 256 MiB
 * each); in bands only the input and the output are full size. Bands also keep the temporaries below glibc's 32 MiB
 * mmap threshold, so they are reused from the heap instead of being mapped and zeroed by the kernel per operator.
 * <p>
 * Each output row is computed from the same input rows as whole (a band reads one halo row above and below); the
 * GroupNorm statistics are taken over the whole image first, in two passes over the bands (mean, then the mean squared
 * deviation), so the numbers match the whole computation to float rounding, not bit for bit (BandsTest measures it).
 * Only without autograd ({@link InPlace#allowed}): the output is written in place.
 */
public final class Bands {
	private Bands() {}

	/** Inputs of at least this many bytes are processed in bands. */
	public static final long MIN_INPUT_BYTES = 32L << 20;

	/** About this many bytes of input per band (a few MiB: well below the mmap threshold with the SiLU temporaries). */
	static final long BAND_BYTES = 4L << 20;

	/**
	 * Whether {@code x} ([N, C, H, W]) is large enough, and autograd off, for the banded forms: at least
	 * {@link #MIN_INPUT_BYTES} once scaled by {@code growth} (4 for the upsampling, which convolves 4x the input).
	 */
	public static boolean worthIt(NDArray x, int growth) {
		Shape s = x.getShape();
		return s.dimension() == 4 && growth * s.size() * x.getDataType().getNumOfBytes() >= MIN_INPUT_BYTES &&
			s.get(2) >= 2 && InPlace.allowed(x);
	}

	/** Whether a GroupNorm → SiLU → conv on {@code x} is computed in bands: large, autograd off, a 3x3 same-size conv. */
	public static boolean worthIt(NDArray x, Conv2d conv) {
		return conv.kernel == 3 && conv.stride == 1 && conv.padding == 1 && worthIt(x, 1);
	}

	/** Rows per band for an input of this shape: at least 2, about {@link #BAND_BYTES} of input each. */
	static int rowsFor(Shape s, int bytesPerValue) {
		long rowBytes = s.get(0) * s.get(1) * s.get(3) * bytesPerValue;
		return (int) Math.max(2, Math.min(s.get(2), BAND_BYTES / Math.max(1, rowBytes)));
	}

	/** conv(silu(norm(x))) for a 3x3, stride-1, padding-1 convolution, in bands of {@link #rowsFor} rows. */
	public static NDArray normSiluConv(Norms.GroupNorm norm, Conv2d conv, NDArray x) {
		return normSiluConv(norm, conv, x, rowsFor(x.getShape(), x.getDataType().getNumOfBytes()));
	}

	/** As {@link #normSiluConv(Norms.GroupNorm, Conv2d, NDArray)} with a given band height (tests use small ones). */
	public static NDArray normSiluConv(Norms.GroupNorm norm, Conv2d conv, NDArray x, int rows) {
		requireSameSize3x3(conv);
		Shape s = x.getShape();
		long h = s.get(2);
		NDManager parent = x.getManager();
		NDArray out = parent.create(new Shape(s.get(0), conv.out, h, s.get(3)), x.getDataType());
		try (NDManager scope = parent.newSubManager()) {
			NDArray[] stats = norm.statistics(x, rows, scope);
			for (long r0 = 0; r0 < h; r0 += rows) {
				long r1 = Math.min(h, r0 + rows), a = Math.max(0, r0 - 1), b = Math.min(h, r1 + 1);
				try (NDManager band = scope.newSubManager()) {
					NDArray in = x.get(new NDIndex(":, :, {}:{}", a, b));
					in.attach(band);
					NDArray activated = Activations.silu(norm.normalize(in, stats[0], stats[1]));
					write(out, conv.forward(activated), r0, r1, a);
				}
			}
		}
		catch (RuntimeException | Error e) {
			out.close();
			throw e;
		}
		return out;
	}

	/** conv(nearest 2x upsampling of x) for a 3x3, stride-1, padding-1 convolution, in bands of output rows. */
	public static NDArray upsampleConv(Conv2d conv, NDArray x) {
		Shape s = x.getShape();
		Shape up = new Shape(s.get(0), s.get(1), 2 * s.get(2), 2 * s.get(3));
		int rows = rowsFor(up, x.getDataType().getNumOfBytes());
		return upsampleConv(conv, x, rows + rows % 2);
	}

	/** As {@link #upsampleConv(Conv2d, NDArray)} with a given band height in output rows. */
	public static NDArray upsampleConv(Conv2d conv, NDArray x, int rows) {
		requireSameSize3x3(conv);
		Shape s = x.getShape();
		long h = 2 * s.get(2), w = 2 * s.get(3);
		NDManager parent = x.getManager();
		NDArray out = parent.create(new Shape(s.get(0), conv.out, h, w), x.getDataType());
		try (NDManager scope = parent.newSubManager()) {
			for (long r0 = 0; r0 < h; r0 += rows) {
				long r1 = Math.min(h, r0 + rows), a = Math.max(0, r0 - 1), b = Math.min(h, r1 + 1);
				try (NDManager band = scope.newSubManager()) {
					// upsampled rows a..b-1 come from input rows a/2 .. (b-1)/2
					long lo = a / 2, hi = (b - 1) / 2 + 1;
					NDArray in = x.get(new NDIndex(":, :, {}:{}", lo, hi));
					in.attach(band);
					NDArray upsampled = in.getNDArrayInternal().interpolation(new long[] { 2 * (hi - lo), w }, 0, false);
					NDArray rowsNeeded = upsampled.get(new NDIndex(":, :, {}:{}", a - 2 * lo, b - 2 * lo));
					write(out, conv.forward(rowsNeeded), r0, r1, a);
				}
			}
		}
		catch (RuntimeException | Error e) {
			out.close();
			throw e;
		}
		return out;
	}

	/**
	 * Copies rows r0..r1-1 of the output from {@code y}, the convolution (padding 1) of input rows a..b-1: its row i is
	 * centred on input row a + i, and the rows it computed against a zero pad that is not the image's edge are dropped.
	 */
	private static void write(NDArray out, NDArray y, long r0, long r1, long a) {
		out.set(new NDIndex(":, :, {}:{}", r0, r1), y.get(new NDIndex(":, :, {}:{}", r0 - a, r1 - a)));
	}

	private static void requireSameSize3x3(Conv2d conv) {
		if (conv.kernel != 3 || conv.stride != 1 || conv.padding != 1) throw new IllegalArgumentException("banded " +
			"convolution needs a 3x3 kernel, stride 1, padding 1, not " + conv.kernel + "x" + conv.kernel + " stride " +
			conv.stride + " padding " + conv.padding);
	}
}
