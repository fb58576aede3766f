package org.diffseg.model;

/**
 * What a {@link ModelDownloader} run does, file by file: transfers started and finished (with their outcome), bytes
 * on disk, notes. Sizes are in bytes (beyond {@code int}); a total of -1 means unknown. An observer of the transfer's
 * data only: stopping a download is the run's {@link org.diffseg.run.CancelToken}'s job, and a front-end that shows
 * steps maps these bytes onto its {@link org.diffseg.run.ProgressListener} (Fiji: kB of the model). Called on the
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
