package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import org.diffseg.sd.NonFiniteException;

/**
 * Plain stochastic gradient descent, the authors' optimiser ({@code torch.optim.SGD(params, lr)}: no
 * momentum, no weight decay): param -= lr · grad, then the gradients are zeroed, like
 * {@code optim.step(); optim.zero_grad()}. A non-finite gradient stops the step ({@link NonFiniteException}) before
 * any parameter changes.
 */
public final class Sgd {
	private static final NDIndex ALL = new NDIndex("...");

	private Sgd() {
	}

	/**
	 * Updates every parameter in place from its accumulated gradient and zeroes the gradient. Works inside or
	 * outside a GradientCollector (the update goes through a detached view, so autograd does not record it).
	 */
	public static void step(NDList parameters, float learningRate) {
		for (NDArray parameter : parameters) {
			if (!parameter.hasGradient())
				throw new IllegalArgumentException("Parameter '" + parameter.getName() + "' has no gradient; call "
						+ "setRequiresGradient(true) on it before the forward pass.");
			// a NaN or infinite gradient would silently poison the parameter (and every later iteration): check all
			// before changing any
			try (NDManager scope = parameter.getManager().newSubManager()) {
				NDArray gradient = parameter.getGradient();
				gradient.attach(scope);
				if (!NonFiniteException.isFinite(gradient)) throw new NonFiniteException("Peekaboo", "gradient of the " +
					"parameter '" + parameter.getName() + "'", Peekaboo.NON_FINITE_HINT);
			}
		}
		for (NDArray parameter : parameters) {
			// Every handle made here (gradient and detached views, the update, the indexer's fill value) goes to
			// a per-parameter scope, so repeated steps do not pile arrays up in the parameter's manager.
			try (NDManager scope = parameter.getManager().newSubManager()) {
				NDArray gradient = parameter.getGradient();
				gradient.attach(scope);
				NDArray data = parameter.stopGradient();
				data.attach(scope);
				data.subi(gradient.mul(learningRate));
				// set() fills in place, clearing NaN and infinite gradients too (multiplying by 0 would not).
				gradient.set(ALL, 0);
			}
		}
	}
}
