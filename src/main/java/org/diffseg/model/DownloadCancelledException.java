package org.diffseg.model;

/**
 * The user cancelled a download. Partial downloads stay as {@code NAME.part} files, so running the same download
 * again resumes where it stopped; no incomplete file ever carries its final name.
 */
public class DownloadCancelledException extends ModelDownloadException {

	public DownloadCancelledException(String message) {
		super(message);
	}
}
