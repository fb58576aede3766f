package org.diffseg.model;

/**
 * What happened to one file of a model download. {@code sha256} is the checksum of the file on disk; when
 * {@code verified} is false the descriptor had no checksum to compare it with, so it should be recorded there.
 */
public record FileOutcome(ModelFile file, Status status, boolean verified, String sha256, long bytesTransferred) {

	public enum Status {
		/** Fetched (fully or by resuming a partial download) in this run. */
		DOWNLOADED,
		/** Already in the folder with the right content (or, when unverifiable, the right size). */
		ALREADY_PRESENT
	}
}
