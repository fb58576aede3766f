package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;

/**
 * When an operator may overwrite a tensor it just created instead of allocating another: on PyTorch with autograd
 * off (inference: the UNet without gradients, VAE decode). Under autograd an in-place change could overwrite a tensor
 * saved for the backward pass, so there the out-of-place form is kept. The numbers are the same either way.
 */
public final class InPlace {
	private InPlace() {}

	public static boolean allowed(NDArray x) {
		return x.getManager().getEngine().getEngineName().equals("PyTorch") && !x.hasGradient() &&
			!ai.djl.pytorch.jni.JniUtils.isGradMode();
	}
}
