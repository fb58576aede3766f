package org.diffseg.eval;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.diffseg.synth.RgbImage;

/** A text-prompted segmenter under evaluation: one binary mask per prompt, at the image's size. */
public interface SegmentationMethod {

	/** The method's name in reports ("peekaboo"). */
	String name();

	/** The settings that decide its results, for the report. */
	Map<String, Object> settings();

	/**
	 * Work done once before the images (e.g. OVDiff's prototype bank of the whole vocabulary); the default does nothing.
	 * @param prompts every prompt of the dataset
	 */
	default void prepare(List<String> prompts, Progress progress, Cancel cancel) throws IOException {}

	/** Masks ({@code width*height}, row-major) for the prompts, in their order. */
	List<boolean[]> segment(RgbImage image, List<String> prompts, Progress progress, Cancel cancel) throws IOException;

	/** Progress inside one call: {@code done} of {@code total} steps. */
	@FunctionalInterface
	interface Progress {
		void update(int done, int total);
	}

	/** Polled by methods between steps; when true they throw {@link java.util.concurrent.CancellationException}. */
	@FunctionalInterface
	interface Cancel {
		boolean requested();

		Cancel NEVER = () -> false;
	}
}
