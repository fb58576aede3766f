package org.diffseg.eval;

/** Told how far an evaluation has got. */
@FunctionalInterface
public interface EvalListener {
	/**
	 * @param image the image being segmented (file name), or the stage ("building the vocabulary")
	 * @param imagesDone images finished, of {@code images}
	 * @param step progress inside the current image (e.g. an iteration), of {@code steps} (0 when unknown)
	 */
	void update(String image, int imagesDone, int images, int step, int steps);

	EvalListener NONE = (image, done, total, step, steps) -> {};
}
