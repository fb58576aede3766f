package org.diffseg.ovdiff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Class names as users type them. The display form is trimmed with inner runs of whitespace collapsed to one space;
 * two names whose display forms differ only in letter case are the same class ("Dog", " dog", "DOG").
 */
public final class ClassNames {
	private ClassNames() {}

	/** The display form. @throws IllegalArgumentException for a blank name */
	public static String clean(String name) {
		String c = name == null ? "" : name.replaceAll("[\\s\\u00A0]+", " ").strip();
		if (c.isEmpty()) throw new IllegalArgumentException("a class name is empty: give every class a name");
		return c;
	}

	/** The identity of a class: its display form in lower case. */
	public static String key(String name) {
		return clean(name).toLowerCase(Locale.ROOT);
	}

	/**
	 * The display forms of a vocabulary, in order.
	 * @throws IllegalArgumentException when it is empty or two names differ only in case or spaces
	 */
	public static List<String> distinct(List<String> names) {
		if (names.isEmpty()) throw new IllegalArgumentException("the vocabulary is empty: name at least one class");
		Map<String, String> seen = new LinkedHashMap<>();
		List<String> out = new ArrayList<>();
		for (String n : names) {
			String c = clean(n);
			String previous = seen.putIfAbsent(key(c), n);
			if (previous != null) throw new IllegalArgumentException("the class names '" + previous + "' and '" + n +
				"' are the same class (names that differ only in case or spaces are duplicates): keep one of them");
			out.add(c);
		}
		return out;
	}
}
