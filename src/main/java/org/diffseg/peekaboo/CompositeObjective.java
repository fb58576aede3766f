package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

/**
 * What Peekaboo's composites are scored by, seen from the compositing step: a value and its gradient with respect to
 * the composites. The engine's objective is score distillation through the VAE encoder
 * ({@link Peekaboo#scoreDistillation}); a test can put a known function in its place to check the compositing,
 * resizing, gravity and parametrisation path on its own.
 */
@FunctionalInterface
interface CompositeObjective {

	/** @param gradient d(value)/d(composites), the composites' shape; the caller neither keeps nor closes it */
	record Value(double value, NDArray gradient) {}

	/**
	 * @param gc the iteration's open collector, for objectives that back-propagate internally
	 * @param composites detached composites [n, 3, C, C] in [0, 1] (row = prompt * batch + k)
	 * @param draws this iteration's random draws
	 * @param nanos time sink indexed by {@link Peekaboo.Timings#PARTS}; add the VAE and UNet parts
	 */
	Value evaluate(GradientCollector gc, NDArray composites, Peekaboo.Draws draws, long[] nanos);
}
