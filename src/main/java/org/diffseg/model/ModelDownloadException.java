package org.diffseg.model;

import java.io.IOException;

/**
 * A download failed in a way that retrying will not fix (licence not accepted, checksum mismatch, file missing on
 * the server, server sending too much). The message names the cause and what to do.
 */
public class ModelDownloadException extends IOException {

	public ModelDownloadException(String message) {
		super(message);
	}

	public ModelDownloadException(String message, Throwable cause) {
		super(message, cause);
	}
}
