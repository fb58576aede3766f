package org.diffseg.peekaboo;

/** Progress of a Peekaboo run, once per iteration; return false to cancel (the run then returns nothing). */
@FunctionalInterface
public interface PeekabooListener {
	PeekabooListener NONE = (i, n, loss, meanAlpha) -> true;

	/**
	 * @param iteration 1-based iteration just finished
	 * @param loss the iteration's score-distillation surrogate plus gravity term
	 * @param meanAlpha mean alpha per prompt as this iteration's composites used it (before its update)
	 */
	boolean onIteration(int iteration, int total, double loss, double[] meanAlpha);
}
