package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** torch.nn.Conv2d with square kernel, stride and symmetric zero padding (weight [out, in, k, k]). */
public final class Conv2d {
	/**
	 * libtorch 2.5.1's CPU convolution (its oneDNN path, taken for batches of 2 or more and for large inputs) returns
	 * wrong numbers, different from run to run, when the input has more than 16 channels and not a multiple of 16:
	 * e.g. 41 -> 13 channels, 3x3, batch 2, 30 % off (found by the differential tests in
	 * src/test/java/org/diffseg/sd/differential). Zero channels appended to the input and the weight leave the result
	 * unchanged and keep it off the faulty path. Released SD checkpoints have multiples of 16 everywhere and never pay
	 * for this; other configurations pay one pad of input and weight per call.
	 */
	static final int CHANNEL_BLOCK = 16;

	public final NDArray weight, bias;
	public final int in, out, kernel, stride, padding;

	public Conv2d(ParameterStore.Scope p, int in, int out, int kernel, int stride, int padding) {
		this.in = in;
		this.out = out;
		this.kernel = kernel;
		this.stride = stride;
		this.padding = padding;
		this.weight = p.get("weight", out, in, kernel, kernel);
		this.bias = p.get("bias", out);
	}

	public NDArray forward(NDArray x) {
		int extra = in > CHANNEL_BLOCK && in % CHANNEL_BLOCK != 0 && !x.getDevice().isGpu() ?
			CHANNEL_BLOCK - in % CHANNEL_BLOCK : 0;
		if (extra == 0) return conv(x, weight);
		// pad spec runs from the last axis: (w before, after, h before, after, channels before, after)
		Shape channels = new Shape(0, 0, 0, 0, 0, extra);
		NDArray paddedInput = x.pad(channels, 0), paddedWeight = weight.pad(channels, 0);
		NDArray y = conv(paddedInput, paddedWeight);
		paddedInput.close();
		paddedWeight.close();
		return y;
	}

	private NDArray conv(NDArray x, NDArray w) {
		return ai.djl.nn.convolutional.Conv2d.conv2d(Layout.contiguous(x), w, bias, new Shape(stride, stride),
			new Shape(padding, padding), new Shape(1, 1), 1).head();
	}
}
