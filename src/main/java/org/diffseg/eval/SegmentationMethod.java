package org.diffseg.eval;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.synth.RgbImage;

/**
 * A text-prompted segmenter under evaluation: one binary mask per prompt, at the image's size. It reports its steps to
 * the run's {@link ProgressListener} and stops when the run's {@link CancelToken} is cancelled, throwing
 * {@link java.util.concurrent.CancellationException}.
 */
public interface SegmentationMethod {

	/** The method's name in reports ("peekaboo"). */
	String name();

	/** The settings that decide its results, for the report. */
	Map<String, Object> settings();

	/**
	 * Work done once before the images (e.g. OVDiff's prototype bank of the whole vocabulary); the default does nothing.
	 * @param prompts every prompt of the dataset
	 */
	default void prepare(List<String> prompts, ProgressListener progress, CancelToken cancel) throws IOException {}

	/** Masks ({@code width*height}, row-major) for the prompts, in their order. */
	List<boolean[]> segment(RgbImage image, List<String> prompts, ProgressListener progress, CancelToken cancel)
		throws IOException;
}
