package org.diffseg.fiji;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options string of a macro call {@code run("Name", "key=value key=[value with spaces] flag")}, parsed with
 * ImageJ 1.x's conventions: {@code key=value} ends at the next space, {@code key=[...]} at the closing bracket, and a bare
 * word is a checked checkbox (ImageJ's recorder writes checked booleans that way and leaves unchecked ones out). Keys
 * are lower-cased, as ImageJ does.
 */
public final class MacroOptions {

	private final Map<String, String> values;
	private final Set<String> flags;

	private MacroOptions(Map<String, String> values, Set<String> flags) {
		this.values = Collections.unmodifiableMap(values);
		this.flags = Collections.unmodifiableSet(flags);
	}

	/** Parses an options string; null or blank means no options. */
	public static MacroOptions parse(String options) {
		Map<String, String> values = new LinkedHashMap<>();
		Map<String, Boolean> flags = new LinkedHashMap<>();
		String s = options == null ? "" : options;
		int i = 0, n = s.length();
		while (i < n) {
			if (Character.isWhitespace(s.charAt(i))) {
				i++;
				continue;
			}
			int keyEnd = i;
			while (keyEnd < n && s.charAt(keyEnd) != '=' && !Character.isWhitespace(s.charAt(keyEnd))) keyEnd++;
			String key = s.substring(i, keyEnd).toLowerCase(java.util.Locale.ROOT);
			if (keyEnd == n || s.charAt(keyEnd) != '=') {
				if (values.containsKey(key) || flags.put(key, true) != null) throw twice(key);
				i = keyEnd;
				continue;
			}
			if (key.isEmpty()) throw new IllegalArgumentException("'=' without a key in the options \"" + s.trim() +
				"\": write key=value.");
			int v = keyEnd + 1;
			String value;
			if (v < n && s.charAt(v) == '[') {
				int close = closingBracket(s, v + 1);
				if (close < 0) throw new IllegalArgumentException("the value of '" + key + "' opens '[' but never closes it: " +
					"write " + key + "=[value].");
				value = s.substring(v + 1, close);
				i = close + 1;
			}
			else {
				int end = v;
				while (end < n && !Character.isWhitespace(s.charAt(end))) end++;
				value = s.substring(v, end);
				i = end;
			}
			if (flags.containsKey(key) || values.put(key, value) != null) throw twice(key);
		}
		return new MacroOptions(values, flags.keySet());
	}

	/** The bracket that closes a value: brackets inside it must pair up, as in "[a [red] cat]". */
	private static int closingBracket(String s, int from) {
		int depth = 0;
		for (int j = from; j < s.length(); j++) {
			char c = s.charAt(j);
			if (c == '[') depth++;
			else if (c == ']' && depth-- == 0) return j;
		}
		return -1;
	}

	private static IllegalArgumentException twice(String key) {
		return new IllegalArgumentException("the key '" + key + "' is given twice: give each key once.");
	}

	/** The value given as {@code key=value}, or null. */
	public String value(String key) {
		return values.get(key);
	}

	/** Whether the key is given as a bare word (a checked checkbox). */
	public boolean flag(String key) {
		return flags.contains(key);
	}

	/** Whether the key is given in either form. */
	public boolean has(String key) {
		return values.containsKey(key) || flags.contains(key);
	}

	/** Every key given, in order. */
	public Set<String> keys() {
		Set<String> keys = new java.util.LinkedHashSet<>(values.keySet());
		keys.addAll(flags);
		return keys;
	}
}
