package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.UnaryOperator;

/**
 * Frees a module's intermediates as soon as it returns. DJL keeps every array alive until its manager closes, so
 * without this a forward pass would hold all of its activations at once (gigabytes at 512 px). Safe under autograd:
 * closing an array drops our handle, not the tensors PyTorch saved for the backward pass.
 */
public final class Scoped {
	private Scoped() {}

	/** Runs {@code f} on {@code x} in a temporary manager; only the result survives (in x's manager). */
	public static NDArray apply(NDArray x, UnaryOperator<NDArray> f) {
		NDManager parent = x.getManager();
		try (NDManager scope = parent.newSubManager()) {
			x.tempAttach(scope);
			NDArray y = f.apply(x);
			y.attach(parent);
			return y;
		}
	}

	/** Closes {@code old} (an intermediate replaced by a newer one) unless it must be kept. */
	public static void release(NDArray old, NDArray keep) {
		if (old != null && old != keep && !old.isReleased()) old.close();
	}
}
