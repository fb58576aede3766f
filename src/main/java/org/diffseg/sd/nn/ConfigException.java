package org.diffseg.sd.nn;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model config value that cannot be used: the wrong JSON type, out of its bounds, inconsistent with another value,
 * or missing. Thrown while the configs are read, before any tensor is allocated. The message names the file, the
 * key, the value found and what is expected, e.g. {@code unet/config.json: layers_per_block = 100000: expected an
 * integer from 1 to 16}, and ends with the fix.
 */
public final class ConfigException extends IOException {
	private static final long serialVersionUID = 1L;
	/** Longest value text quoted in a message (a garbage file can hold megabytes in one value). */
	private static final int MAX_VALUE_CHARS = 80;

	private final transient Path file;
	private final String key;
	private final String value;
	private final String expected;

	/**
	 * @param value the value as written in the file (JSON text), or null when the key is absent
	 * @param expected what would be accepted, e.g. "an integer from 1 to 16"
	 */
	public ConfigException(Path file, String key, String value, String expected) {
		this(file, key, value, expected, DEFAULT_FIX);
	}

	/** @param fix the sentence that tells the user what to do */
	public ConfigException(Path file, String key, String value, String expected, String fix) {
		super(message(file, key, value, expected, fix));
		this.file = file;
		this.key = key;
		this.value = value;
		this.expected = expected;
	}

	private static final String DEFAULT_FIX = "Fix this value in the file, or download the model's original " +
		"configuration files again.";

	private static String message(Path file, String key, String value, String expected, String fix) {
		String found = value == null ? key + " is missing" : key + " = " + shorten(value);
		return file + ": " + found + ": expected " + expected + ". " + fix;
	}

	static String shorten(String value) {
		return value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS) + "... (" +
			value.length() + " characters)";
	}

	/** The config file. */
	public Path file() {
		return file;
	}

	/** The key, dotted for nested objects (e.g. {@code text_config.hidden_size}). */
	public String key() {
		return key;
	}

	/** The value as written in the file (JSON text), or null when the key is missing. */
	public String value() {
		return value;
	}

	/** What would be accepted. */
	public String expected() {
		return expected;
	}
}
