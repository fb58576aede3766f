package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.Conv2d with square kernel, stride and symmetric zero padding (weight [out, in, k, k]).
 * <p>
 * libtorch 2.5.1's CPU convolution hands float32 work to oneDNN 3.5.3 (for batches of 2 or more and for large
 * inputs), whose AVX-512 kernels return wrong numbers on this project's machines (AMD EPYC in a sandbox that reports
 * no cache sizes; capping oneDNN at SSE4.1 gives right ones). {@link #conv2d} steers around every case our tests have
 * found; the differential tests in src/test/java/org/diffseg/sd/differential and Conv2dLayoutTest,
 * Conv2dBackwardTest pin them.
 */
public final class Conv2d {
	/**
	 * libtorch 2.5.1 computes a float32 CPU convolution with oneDNN when the batch has more than one image, or when
	 * the input holds more than this many values, and with its native kernel otherwise ({@code use_mkldnn} in
	 * aten/src/ATen/native/Convolution.cpp).
	 */
	static final long ONEDNN_BATCH_LIMIT = 20480;

	/** Inputs of more than this many channels are padded to a multiple of it (see {@link #conv2d}). */
	static final int CHANNEL_BLOCK = 16;

	public final NDArray weight, bias;
	public final int in, out, kernel, stride, padding;

	public Conv2d(WeightStore.Scope p, int in, int out, int kernel, int stride, int padding) {
		this.in = in;
		this.out = out;
		this.kernel = kernel;
		this.stride = stride;
		this.padding = padding;
		this.weight = p.get("weight", out, in, kernel, kernel);
		this.bias = p.get("bias", out);
	}

	public NDArray forward(NDArray x) {
		return conv2d(x, weight, bias, stride, padding);
	}

	/**
	 * A convolution that libtorch 2.5.1's CPU kernels compute correctly:
	 * <ul>
	 * <li>the input in row-major (NCHW) order ({@link Layout#contiguous}): the convolution is wrong on some
	 * channels-last-strided inputs (tiny-sd-b's UNet from down_blocks.1 on);</li>
	 * <li>more than 16 input channels and not a multiple of 16 (e.g. 41 -> 13, 3x3, batch 2: 30 % off, different from
	 * run to run): zero channels appended to input and weight leave the result unchanged and keep it off the faulty
	 * path. Released SD checkpoints have multiples of 16 everywhere and never pay for this;</li>
	 * <li>a batch of small float32 images (at most {@link #ONEDNN_BATCH_LIMIT} values each) one image at a time, which
	 * keeps it on the native kernel: the oneDNN path that libtorch takes for such a batch reads memory it has not
	 * written in the backward pass (the input gradient of the first call in a process is garbage, NaN when the freed
	 * memory it reuses held NaN). That made Peekaboo with two prompts on a tiny model end in NaN in some runs and not
	 * in others (the VAE encoder's 8x8 convolutions). Large inputs take oneDNN in any case, one image or many.</li>
	 * </ul>
	 */
	public static NDArray conv2d(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
		NDArray input = Layout.contiguous(x);
		Shape s = input.getShape();
		boolean cpu = !input.getDevice().isGpu();
		long channels = s.get(1);
		if (cpu && channels > CHANNEL_BLOCK && channels % CHANNEL_BLOCK != 0) {
			// pad spec runs from the last axis: (w before, after, h before, after, channels before, after)
			Shape pad = new Shape(0, 0, 0, 0, 0, CHANNEL_BLOCK - channels % CHANNEL_BLOCK);
			try (NDArray paddedInput = input.pad(pad, 0); NDArray paddedWeight = weight.pad(pad, 0)) {
				NDArray y = conv2d(paddedInput, paddedWeight, bias, stride, padding);
				y.attach(x.getManager());
				return y;
			}
		}
		long batch = s.get(0);
		if (cpu && batch > 1 && s.size() / batch <= ONEDNN_BATCH_LIMIT && input.getDataType() == DataType.FLOAT32) {
			NDList parts = new NDList((int) batch);
			try {
				for (long i = 0; i < batch; i++) {
					try (NDArray image = input.get(i + ":" + (i + 1))) {
						parts.add(single(image, weight, bias, stride, padding));
					}
				}
				return NDArrays.concat(parts, 0);
			}
			finally {
				parts.close();
			}
		}
		return single(input, weight, bias, stride, padding);
	}

	private static NDArray single(NDArray x, NDArray weight, NDArray bias, int stride, int padding) {
		return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
			new Shape(padding, padding), new Shape(1, 1), 1).head();
	}
}
