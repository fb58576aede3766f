package org.diffseg.model;

/**
 * Progress of a {@link ModelDownloader} run. Sizes are in bytes; a total of -1 means unknown. Called on the
 * downloading thread: implementations must be quick (update a progress bar, print a line).
 */
public interface DownloadListener {

	/** A file transfer begins, at {@code offset} when resuming a partial download. */
	default void fileStarted(ModelFile file, long offset) {}

	/** Bytes of the current file and of the whole model that are on disk so far. */
	default void progress(ModelFile file, long fileBytes, long fileTotal, long overallBytes, long overallTotal) {}

	/** A file is complete (downloaded or found already present). */
	default void fileFinished(FileOutcome outcome) {}

	/** Something worth telling the user that is not an error: a retry, a restart, an existing file replaced. */
	default void message(String text) {}
}
