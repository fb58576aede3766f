package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** torch.nn.Conv2d with square kernel, stride and symmetric zero padding (weight [out, in, k, k]). */
public final class Conv2d {
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
		return ai.djl.nn.convolutional.Conv2d.conv2d(Layout.contiguous(x), weight, bias, new Shape(stride, stride),
			new Shape(padding, padding), new Shape(1, 1), 1).head();
	}
}
