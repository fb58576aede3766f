package org.diffseg.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;

/**
 * One line of results.csv: what happened to one work item (an image, an image with a prompt set, a class).
 *
 * @param item the image file name, or the class
 * @param folder the item's output folder under the output root ("" for classes)
 * @param status done, skipped (finished by an earlier run), failed; for classes built, kept, rebuilt, failed
 * @param attempts how many times it was tried in this run (0 when skipped)
 * @param seconds time spent on it in this run (every try; not the time waiting for its executor's models)
 * @param measures per class pixels or per prompt mask area, read from the published files
 * @param error why it failed (or why its results could not be read), one line
 */
record Row(String item, String folder, String status, int attempts, double seconds,
	LinkedHashMap<String, Long> measures, String error) implements Serializable
{
	static final String DONE = "done", SKIPPED = "skipped", FAILED = "failed";

	boolean failed() {
		return status.equals(FAILED);
	}
}
