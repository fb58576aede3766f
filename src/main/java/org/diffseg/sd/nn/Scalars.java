package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that stays correct under autograd. DJL's {@code x.mul(Number)} (and div) wraps the number
 * in a tensor that borrows a Java direct buffer and closes it at once; PyTorch saves that tensor for the backward
 * pass, and once the garbage collector frees the buffer the gradient is scaled by whatever the memory then holds.
 * A constant made by PyTorch itself ({@code full}) owns its memory. Use these wherever a gradient may flow.
 */
public final class Scalars {
	private Scalars() {}

	/** x · value, differentiable in x, in x's manager and type. */
	public static NDArray times(NDArray x, float value) {
		try (NDArray constant = x.getManager().full(new Shape(), value, x.getDataType())) {
			return x.mul(constant);
		}
	}

	/** x · value + offset (e.g. 2x - 1), differentiable in x. */
	public static NDArray affine(NDArray x, float value, float offset) {
		NDArray scaled = times(x, value);
		if (offset == 0) return scaled;
		NDArray out = scaled.add(offset); // addition saves no operand for the backward pass
		scaled.close();
		return out;
	}
}
