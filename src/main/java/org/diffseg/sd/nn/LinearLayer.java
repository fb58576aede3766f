package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;

/** y = x W^T + b, as torch.nn.Linear (weight [out, in]). */
public final class LinearLayer {
	public final NDArray weight, bias;
	public final int in, out;

	public LinearLayer(WeightStore.Scope p, int in, int out, boolean bias) {
		this.in = in;
		this.out = out;
		this.weight = p.get("weight", out, in);
		this.bias = bias ? p.get("bias", out) : null;
	}

	public NDArray forward(NDArray x) {
		return bias == null ? ai.djl.nn.core.Linear.linear(x, weight).head() :
			ai.djl.nn.core.Linear.linear(x, weight, bias).head();
	}
}
