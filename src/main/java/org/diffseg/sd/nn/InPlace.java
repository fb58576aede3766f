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

	/** Restores what {@link #autogradOff()} changed. */
	public interface Restore extends AutoCloseable {
		@Override
		void close();
	}

	/**
	 * Switches PyTorch's autograd off on this thread until the result is closed, which restores the previous mode: for
	 * a pass that records no graph anyway (no input requires a gradient) inside a gradient collector, so that its
	 * operators run in place and in bands as inference does.
	 */
	public static Restore autogradOff() {
		boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
		ai.djl.pytorch.jni.JniUtils.setGradMode(false);
		return () -> ai.djl.pytorch.jni.JniUtils.setGradMode(was);
	}
}
