package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a constant that stays correct under autograd. DJL's {@code x.mul(Number)} wraps the number in a
 * tensor that borrows a Java direct buffer and closes it at once; PyTorch saves that tensor for the backward pass, and
 * once the garbage collector frees the buffer the gradient is multiplied by whatever the memory then holds (measured:
 * wrong in 175 of 200 backward passes with a collection in between). A constant made by PyTorch itself
 * ({@code full}) owns its memory.
 */
final class Scalars {
	private Scalars() {}

	/** x · value, differentiable in x, in x's manager and type. */
	static NDArray times(NDArray x, float value) {
		try (NDArray constant = x.getManager().full(new Shape(), value, x.getDataType())) {
			return x.mul(constant);
		}
	}
}
