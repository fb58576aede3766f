package org.diffseg.model;

import java.io.IOException;

/**
 * A download failed in a way that retrying will not fix (licence not accepted, checksum mismatch, file missing on
 * the server, server sending too much). The message names the cause and what to do, in neutral words; when the fix is
 * an explicit consent of the user ({@link #consent()}: accept the licence, trust unverified files), a front-end words
 * it as its own flag or checkbox.
 */
public class ModelDownloadException extends IOException {
	private static final long serialVersionUID = 1L;

	/** Values of {@link #consent()}: the neutral names of the consents a download may wait for. */
	public static final String ACCEPT_LICENCE = "accept licence", TRUST_UNVERIFIED = "trust unverified";

	private final String problem, fix, consent;

	public ModelDownloadException(String message) {
		this(message, (Throwable) null);
	}

	public ModelDownloadException(String message, Throwable cause) {
		super(message, cause);
		problem = message;
		fix = "";
		consent = null;
	}

	/**
	 * A download that waits for the user's explicit {@code consent} (one of the constants of this class).
	 * @param fix what to do, in neutral words; a front-end puts its way of giving the consent after the first clause
	 * (before the first "; ")
	 */
	public ModelDownloadException(String problem, String fix, String consent) {
		super(problem + ": " + fix + ".");
		this.problem = problem;
		this.fix = fix;
		this.consent = consent;
	}

	/** The consent that lets the download go ahead, or null when the failure is of another kind. */
	public String consent() {
		return consent;
	}

	/** The message with a front-end's {@code aside} (its flag or checkbox) after the fix's first clause. */
	public String describe(String aside) {
		if (consent == null || aside == null || aside.isEmpty()) return getMessage();
		int semicolon = fix.indexOf("; ");
		return problem + ": " + (semicolon < 0 ? fix + " (" + aside + ")" : fix.substring(0, semicolon) + " (" + aside +
			")" + fix.substring(semicolon)) + ".";
	}
}
