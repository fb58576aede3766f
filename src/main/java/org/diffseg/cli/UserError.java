package org.diffseg.cli;

/**
 * A failure the user can fix (bad folder, wrong file, empty prompt...). The message names the cause and the fix;
 * the command line prints it as one line and exits with status 1.
 */
public class UserError extends RuntimeException {
	public UserError(String message) {
		super(message);
	}

	public UserError(String message, Throwable cause) {
		super(message, cause);
	}
}
