package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;

/** Memory layout of tensors handed to native kernels. */
public final class Layout {
	private Layout() {}

	/**
	 * {@code x} with its elements in row-major (NCHW) order: a free view when it already is, one copy when it is a
	 * permuted view. libtorch 2.5.1's CPU convolution returns wrong numbers (20-50 % off) for some inputs with
	 * channels-last strides, which a permute back from tokens followed by an add produces (tiny-sd-b's
	 * down_blocks.1 downsampler after a linear-projection Transformer2D: {@code diffseg check-model} on tiny-sd-b).
	 * diffusers calls {@code .contiguous()} at the same places. DJL exposes no contiguous(): flatten must copy a
	 * non-contiguous tensor into row-major order and is a view of a contiguous one.
	 */
	public static NDArray contiguous(NDArray x) {
		return x.flatten().reshape(x.getShape());
	}
}
