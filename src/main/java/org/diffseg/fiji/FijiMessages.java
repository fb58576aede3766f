package org.diffseg.fiji;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.diffseg.run.DiffSegException;

/** Fiji's words for a {@link DiffSegException}: the engines' neutral fix, with the menus and macro keys to use. */
final class FijiMessages {

	/** The macro key of each neutral setting name. */
	private static final Map<String, String> KEYS = Map.ofEntries(Map.entry("bank", "bank"),
		Map.entry("model", "model"), Map.entry("shorter side", "shorter_side"), Map.entry("channels", "channels"), Map.entry("guide", "guide"),
		Map.entry("prompts", "prompts"), Map.entry("prompt", "prompt"));

	/** The menu command that does each image action. */
	private static final Map<String, String> MENUS = Map.of(DiffSegException.CONVERT_TYPE, "Image > Type",
		DiffSegException.LOAD_INTO_MEMORY, "Image > Duplicate...",
		DiffSegException.REDUCE_DIMENSIONALITY, "Image > Hyperstacks > Reduce Dimensionality...",
		DiffSegException.REPLACE_NON_FINITE, "Process > Math > Remove NaNs...",
		DiffSegException.SCALE_DOWN, "Image > Scale...");

	private FijiMessages() {}

	static String describe(DiffSegException e) {
		return switch (e.kind()) {
			case SETTING -> {
				String key = KEYS.get(e.detail(DiffSegException.SETTING));
				yield e.problem() + (key == null ? "" : " (" + key + ")") + e.fixWith("") + ".";
			}
			case IMAGE -> e.problem() + e.fixWith(MENUS.getOrDefault(e.detail(DiffSegException.ACTION), "")) + ".";
			case PROTOTYPES_MISSING -> e.problem() + e.fixWith("Plugins > DiffSeg > OVDiff Build Vocabulary... " +
				"with " + vocabularyKeys(e)) + ".";
			case PROTOTYPES_AMBIGUOUS -> e.problem() + ": choose them with support_images and steps (the dialog's " +
				"'Prototypes of' fields), or keep one bank folder per setting.";
			default -> e.getMessage();
		};
	}

	private static String vocabularyKeys(DiffSegException e) {
		StringBuilder b = new StringBuilder("bank=[").append(e.detail(DiffSegException.BANK)).append(']');
		List<String> classes = Arrays.stream(e.detail(DiffSegException.CLASSES).split(";")).filter(c -> !c.isBlank())
			.toList();
		if (!classes.isEmpty()) b.append(" classes=[").append(String.join("; ", classes)).append(']');
		for (String kind : e.detail(DiffSegException.EXTRACTORS).split(" "))
			if (!kind.isBlank()) b.append(' ').append(kind).append("=[folder]");
		return b.toString();
	}
}
