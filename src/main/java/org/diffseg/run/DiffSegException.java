package org.diffseg.run;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure the user can fix, typed: its {@link Kind}, the {@link #problem()} and the {@link #fix()} in neutral words
 * (no command-line flag, no Fiji menu), and the {@link #details()} a front-end needs to word the fix for its users
 * (the command line names its flags, Fiji its menus and macro keys). {@link #getMessage()} is "problem: fix".
 * <p>
 * It is an {@link IllegalArgumentException}, so code that refuses bad input as such keeps working.
 */
public class DiffSegException extends IllegalArgumentException {
	private static final long serialVersionUID = 1L;

	/** What went wrong; the details each kind carries are named by the constants of {@link DiffSegException}. */
	public enum Kind {
		/** A setting has a value it cannot have. Details: {@link #SETTING} (its neutral name). */
		SETTING,
		/** The image cannot be used as it is (type, size, channels, non-finite values). */
		IMAGE,
		/** The prototype bank has no prototypes for the classes asked. Details: {@link #BANK}, {@link #CLASSES},
		 * {@link #EXTRACTORS} (the feature kinds to build them with, space separated, when that is what is missing). */
		PROTOTYPES_MISSING,
		/** The prototype bank holds the classes built with several settings. Details: {@link #BANK}. */
		PROTOTYPES_AMBIGUOUS,
		/** A prototype-bank file is damaged (truncated, altered, not a bank file); the problem names the file. Details:
		 * {@link #BANK}, {@link #CLASSES} (the damaged file's class, to rebuild it). */
		PROTOTYPES_DAMAGED,
		/** The disk DiffSeg writes to is full (or the user's quota is used up). Details: {@link #PATH}. */
		DISK_FULL,
		/** The user may not write there (the file system refused: permissions, ownership). Details: {@link #PATH}. */
		PERMISSION_DENIED,
		/** The file system is mounted read-only (a write-protected card, a read-only share). Details: {@link #PATH}. */
		READ_ONLY,
		/** Anything else the user can fix; the neutral fix is all there is to say. */
		INPUT
	}

	/** Detail keys. */
	public static final String SETTING = "setting", BANK = "bank", CLASSES = "classes", EXTRACTORS = "extractors",
		ACTION = "action", PATH = "path";

	/** Values of {@link #ACTION} for {@link Kind#IMAGE}: what to do to the image (a front-end may name its menu). */
	public static final String CONVERT_TYPE = "convert type", LOAD_INTO_MEMORY = "load into memory",
		REDUCE_DIMENSIONALITY = "reduce dimensionality", REPLACE_NON_FINITE = "replace non-finite values",
		SCALE_DOWN = "scale down";

	private final Kind kind;
	private final String problem, fix;
	private final Map<String, String> details;

	public DiffSegException(Kind kind, String problem, String fix, Map<String, String> details) {
		super(problem + (fix == null || fix.isBlank() ? "" : ": " + fix));
		this.kind = kind;
		this.problem = problem;
		this.fix = fix == null ? "" : fix;
		this.details = Map.copyOf(new LinkedHashMap<>(details));
	}

	public DiffSegException(Kind kind, String problem, String fix) {
		this(kind, problem, fix, Map.of());
	}

	/** An image that cannot be used as it is; {@code action} is one of the action constants. */
	public static DiffSegException image(String problem, String fix, String action) {
		return new DiffSegException(Kind.IMAGE, problem, fix, Map.of(ACTION, action));
	}

	/** A bad setting value: {@code setting} is its neutral name (e.g. "shorter side"). */
	public static DiffSegException setting(String setting, String problem, String fix) {
		return new DiffSegException(Kind.SETTING, problem, fix, Map.of(SETTING, setting));
	}

	public Kind kind() {
		return kind;
	}

	/** What went wrong, in neutral words. */
	public String problem() {
		return problem;
	}

	/** What to do about it, in neutral words (may be empty). */
	public String fix() {
		return fix;
	}

	/**
	 * ": fix" with a front-end's {@code aside} (the command or menu that does it) in brackets after the fix's first
	 * clause, e.g. ": build it with CLIP too (aside), or segment without CLIP"; "" when there is no fix.
	 */
	public String fixWith(String aside) {
		if (fix.isEmpty()) return "";
		if (aside == null || aside.isEmpty()) return ": " + fix;
		int or = fix.indexOf(", or ");
		return or < 0 ? ": " + fix + " (" + aside + ")" : ": " + fix.substring(0, or) + " (" + aside + ")" +
			fix.substring(or);
	}

	/** What a front-end needs to word the fix (keys: the constants of this class). */
	public Map<String, String> details() {
		return details;
	}

	/** A detail, or "" when absent. */
	public String detail(String key) {
		return details.getOrDefault(key, "");
	}
}
