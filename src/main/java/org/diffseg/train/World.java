package org.diffseg.train;

import java.util.List;
import java.util.Set;

/** The images and captions a model is trained on (the synthetic shapes world, or a stand-in in tests). */
public interface World {

	/**
	 * One training image: {@code size x size} packed 0xRRGGBB pixels, row-major, and the phrases of its objects
	 * ("a red star"); the caption is the phrases joined by " and ", in an order the trainer shuffles.
	 */
	record Example(int size, int[] rgb, List<String> phrases) {}

	/** The first {@code n} scenes of the world drawn from {@code seed}, all {@code size x size}. */
	List<Example> scenes(long seed, int n, int size);

	/** Every word a caption can contain (lower-case letters), for the tokenizer. */
	Set<String> words();

	/** The caption of phrases in the given order (default: joined by " and "). */
	default String caption(List<String> phrases) {
		return String.join(" and ", phrases);
	}

	/** One line describing the data (for the model card). */
	String description();
}
