package org.diffseg.fiji;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;

import org.diffseg.run.DiffSegException;
import org.diffseg.run.WriteErrors;
import org.scijava.module.ModuleException;

/** The one line a user sees when a DiffSeg command fails: the cause's own message, never a stack trace. */
public final class UserMessages {

	private UserMessages() {}

	/**
	 * The message of the first meaningful cause. Errors users cause are thrown as {@link IllegalArgumentException},
	 * {@link IllegalStateException} or {@link IOException} with a message naming cause and fix, and are shown as they
	 * are; anything else is a bug and keeps its class name so it can be reported.
	 */
	public static String describe(Throwable e) {
		Throwable t = e;
		while (t.getCause() != null && t.getCause() != t && (blank(t.getMessage()) || wrapper(t))) t = t.getCause();
		if (t instanceof IOException io && WriteErrors.classifyAny(io) != null) t = WriteErrors.classifyAny(io);
		if (t instanceof DiffSegException d) return FijiMessages.describe(d).replaceAll("\\s*\\R\\s*", " ");
		if (t instanceof OutOfMemoryError) return "out of memory (" + t.getMessage() + "): use a smaller image, or give " +
			"Java more memory (Fiji: Edit > Options > Memory & Threads; command line: -Xmx).";
		if (t instanceof CancellationException) return blank(t.getMessage()) ? "cancelled." :
			t.getMessage().regionMatches(true, 0, "cancel", 0, 6) ? t.getMessage() : "cancelled: " + t.getMessage();
		String message = blank(t.getMessage()) ? t.getClass().getSimpleName() : t.getMessage().strip();
		if (!expected(t)) message = t.getClass().getSimpleName() + ": " + message;
		return message.replaceAll("\\s*\\R\\s*", " ");
	}

	private static boolean blank(String s) {
		return s == null || s.isBlank();
	}

	/** Exceptions that only carry another one (their message is the cause's toString). */
	private static boolean wrapper(Throwable t) {
		return t.getClass() == RuntimeException.class || t.getClass() == UncheckedIOException.class ||
			t instanceof java.util.concurrent.ExecutionException ||
			t instanceof java.lang.reflect.InvocationTargetException ||
			t instanceof ModuleException;
	}

	private static boolean expected(Throwable t) {
		return t instanceof IllegalArgumentException || t instanceof IllegalStateException || t instanceof IOException ||
			t instanceof UnsupportedOperationException || t.getClass().getSimpleName().equals("UserError");
	}
}
