package org.diffseg.fiji;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options string of a macro call {@code run("Name", "key=value key=[value with spaces]")}, read the way Fiji's
 * legacy layer reads it for a SciJava command (ImageJ's {@code Macro.getValue} per parameter name): {@code key=value}
 * ends at the next space, {@code key=[...]} at the bracket that balances the first, {@code key='...'} at the next quote.
 * Keys are case-sensitive. Anything Fiji would silently ignore (a key without a value) is an error here, so a macro that
 * runs through the bridge means the same in Fiji.
 */
public final class MacroOptions {

	private final Map<String, String> values;

	private MacroOptions(Map<String, String> values) {
		this.values = Collections.unmodifiableMap(values);
	}

	/** Parses an options string; null or blank means no options. */
	public static MacroOptions parse(String options) {
		Map<String, String> values = new LinkedHashMap<>();
		String s = options == null ? "" : options;
		int i = 0, n = s.length();
		while (i < n) {
			if (Character.isWhitespace(s.charAt(i))) {
				i++;
				continue;
			}
			int keyEnd = i;
			while (keyEnd < n && s.charAt(keyEnd) != '=' && !Character.isWhitespace(s.charAt(keyEnd))) keyEnd++;
			String key = s.substring(i, keyEnd);
			if (keyEnd == n || s.charAt(keyEnd) != '=') throw new IllegalArgumentException("'" + key + "' has no value: " +
				"write " + key + "=value (a checkbox: " + key + "=true or " + key + "=false).");
			if (key.isEmpty()) throw new IllegalArgumentException("'=' without a key in the options \"" + s.strip() +
				"\": write key=value.");
			int v = keyEnd + 1, end;
			String value;
			if (v < n && (s.charAt(v) == '[' || s.charAt(v) == '\'')) {
				end = s.charAt(v) == '[' ? closingBracket(s, v + 1) : s.indexOf('\'', v + 1);
				if (end < 0) throw new IllegalArgumentException("the value of '" + key + "' opens " + (s.charAt(v) == '[' ?
					"'['" : "a quote") + " but never closes it: write " + key + "=[value].");
				value = s.substring(v + 1, end);
				end++;
			}
			else {
				end = v;
				while (end < n && !Character.isWhitespace(s.charAt(end))) end++;
				value = s.substring(v, end);
			}
			if (values.put(key, value) != null) throw new IllegalArgumentException("the key '" + key + "' is given twice: " +
				"give each key once.");
			i = end;
		}
		return new MacroOptions(values);
	}

	/** The bracket that closes a value: brackets inside it pair up, as in "[a [red] cat]". */
	private static int closingBracket(String s, int from) {
		int depth = 0;
		for (int j = from; j < s.length(); j++) {
			char c = s.charAt(j);
			if (c == '[') depth++;
			else if (c == ']' && depth-- == 0) return j;
		}
		return -1;
	}

	/** The value given for {@code key}, or null. */
	public String value(String key) {
		return values.get(key);
	}

	/** Every key given, in order. */
	public Set<String> keys() {
		return values.keySet();
	}
}
