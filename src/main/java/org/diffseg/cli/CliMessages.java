package org.diffseg.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.model.ModelDownloadException;
import org.diffseg.options.CommandLines;
import org.diffseg.run.DiffSegException;

/** The command line's words for a {@link DiffSegException}: the engines' neutral fix, with the flags to use. */
final class CliMessages {

	/** The flag that gives each consent of {@link ModelDownloadException#consent()}. */
	private static final Map<String, String> CONSENTS = Map.of(ModelDownloadException.ACCEPT_LICENCE,
		"--accept-licence", ModelDownloadException.TRUST_UNVERIFIED, "--trust-unverified");

	private CliMessages() {}

	/** A download refused for want of a consent, with the flag that gives it. */
	static String describe(ModelDownloadException e) {
		return e.describe(e.consent() == null ? null : CONSENTS.get(e.consent()));
	}

	static String describe(DiffSegException e) {
		return switch (e.kind()) {
			case SETTING -> CommandLines.describeSetting(e);
			case PROTOTYPES_MISSING, PROTOTYPES_DAMAGED -> e.problem() + e.fixWith("diffseg prototypes" +
				prototypeFlags(e));
			case PROTOTYPES_AMBIGUOUS -> e.problem() + ": choose them with --n, --steps, --seed or --parts, or keep " +
				"one bank folder per setting";
			default -> e.getMessage();
		};
	}

	/** The options of {@code diffseg prototypes} that build what is missing. */
	private static String prototypeFlags(DiffSegException e) {
		StringBuilder b = new StringBuilder();
		for (String kind : e.detail(DiffSegException.EXTRACTORS).split(" "))
			if (!kind.isBlank()) b.append(" --").append(kind.toLowerCase(Locale.ROOT)).append(" DIR");
		List<String> classes = Arrays.stream(e.detail(DiffSegException.CLASSES).split(";")).filter(c -> !c.isBlank())
			.toList();
		if (classes.isEmpty()) b.append(" --class NAME");
		for (String c : classes) b.append(" --class \"").append(c).append('"');
		if (!e.detail(DiffSegException.BANK).isEmpty()) b.append(" --bank ").append(e.detail(DiffSegException.BANK));
		return b.toString();
	}
}
