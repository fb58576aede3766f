package org.diffseg.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One file of a model: its path relative to the model folder ('/'-separated, as on the Hugging Face Hub), its size
 * in bytes and its SHA-256, either of which may be unknown ({@code null}) when the descriptor's author could not
 * obtain it. A file without a known SHA-256 cannot be verified after download.
 */
public record ModelFile(String path, Long size, String sha256) {

	private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

	public ModelFile {
		if (path == null || path.isEmpty()) throw new IllegalArgumentException("a model file needs a path");
		// Paths come from descriptor files and become file names under the user's folder: never let them escape it.
		if (path.startsWith("/") || path.contains("\\") || path.contains(":") || path.endsWith("/"))
			throw new IllegalArgumentException("model file path '" + path +
				"' must be relative, '/'-separated, and name a file");
		for (String part : path.split("/")) {
			if (part.isEmpty() || part.equals(".") || part.equals(".."))
				throw new IllegalArgumentException("model file path '" + path + "' has an empty, '.' or '..' part");
		}
		if (size != null && size < 0) throw new IllegalArgumentException(path + ": negative size " + size);
		if (sha256 != null) {
			sha256 = sha256.toLowerCase(Locale.ROOT);
			if (!SHA256.matcher(sha256).matches()) throw new IllegalArgumentException(path + ": '" + sha256 +
				"' is not a SHA-256 (64 hexadecimal digits)");
		}
	}

	/** Whether a download of this file can be checked against a known checksum. */
	public boolean verifiable() {
		return sha256 != null;
	}
}
