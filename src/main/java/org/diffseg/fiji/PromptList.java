package org.diffseg.fiji;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompts of one text field: separated by ";" or line breaks (a ";" at the end of a line counts once), each
 * trimmed, e.g. {@code a cat; a dog}. An empty
 * entry ("a;;b", a trailing ";") is an error rather than skipped, since it usually is a typing mistake that would
 * silently drop a prompt the user meant.
 */
public final class PromptList {

	private PromptList() {}

	/**
	 * @param key the parameter's macro key, named in messages
	 * @throws IllegalArgumentException for no prompt or an empty entry
	 */
	public static List<String> parse(String text, String key) {
		if (text == null || text.isBlank()) throw new IllegalArgumentException("no prompt given: describe what to " +
			"segment in '" + key + "', e.g. " + key + "=[a cat; a dog] (several prompts separated by ';').");
		return split(text, key, "prompt");
	}

	/**
	 * Entries separated by ';' or line breaks (none for blank text); {@code what} names an entry in messages.
	 * @throws IllegalArgumentException for an empty entry ("a;;b")
	 */
	public static List<String> split(String text, String key, String what) {
		List<String> entries = new ArrayList<>();
		if (text == null || text.isBlank()) return entries;
		// a ';' that ends a line goes with that line break: "a cat;\na dog" is two entries
		String[] parts = text.strip().replaceAll(";[ \\t]*\\R", ";").split(";|\\R", -1);
		for (int i = 0; i < parts.length; i++) {
			String p = parts[i].strip();
			if (p.isEmpty()) throw new IllegalArgumentException(what + " " + (i + 1) + " of " + parts.length + " in '" +
				key + "' is empty (\"" + text.strip().replaceAll("\\R", ";") + "\"): remove the extra ';' or line break.");
			entries.add(p);
		}
		return entries;
	}
}
