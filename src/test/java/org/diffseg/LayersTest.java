package org.diffseg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layers of DESIGN.md's diagram, checked on the sources: cli and fiji above task, task above the engines, no
 * arrow back; and no package but the front-ends' speaks of a command-line flag or a Fiji menu (the front-ends word
 * failures, reports and notes for their users: issue 15 item 2).
 */
class LayersTest {
	private static final Path MAIN = Path.of("src/main/java/org/diffseg");

	/**
	 * The packages of this module's front-ends (the Spark jobs are a module of their own), which may name flags;
	 * options holds the command-line options the CLI and the Spark jobs share.
	 */
	private static final Set<String> FRONT_ENDS = Set.of("cli", "fiji", "options");

	/** Per package, the packages above it that it must not use. */
	private static final Map<String, List<String>> FORBIDDEN = Map.of(
		"run", List.of("task", "cli", "fiji", "spark", "peekaboo", "ovdiff", "img", "sd", "vit"),
		"task", List.of("cli", "fiji", "spark"),
		// io: the files of the front-ends that work on files (command line, cluster jobs), which share their flags
		"io", List.of("cli", "fiji", "spark"),
		// options: the flags both flag front-ends (command line, cluster jobs) declare once
		"options", List.of("cli", "fiji", "spark"),
		"peekaboo", List.of("task", "cli", "fiji", "spark"),
		"ovdiff", List.of("task", "cli", "fiji", "spark"),
		"img", List.of("task", "cli", "fiji", "spark"),
		"sd", List.of("task", "cli", "fiji", "spark"),
		"vit", List.of("task", "cli", "fiji", "spark"));

	/** A string literal naming a flag (--name), a Fiji menu path or a macro key assignment (key=[...]). */
	private static final Pattern FRONT_END_WORDS = Pattern.compile("(?<![\\w-])--[a-z]|Plugins ?>|Image ?> |Process ?> " +
		"|Edit ?> |\\w=\\[");
	private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

	@Test
	void noArrowBack() throws IOException {
		List<String> violations = new ArrayList<>();
		for (Map.Entry<String, List<String>> layer : FORBIDDEN.entrySet())
			for (Path file : sources(layer.getKey()))
				for (String above : layer.getValue())
					if (Files.readString(file).contains("org.diffseg." + above + "."))
						violations.add(MAIN.relativize(file) + " uses " + above);
		assertEquals(List.of(), violations);
	}

	@Test
	void onlyFrontEndsNameAFlagOrAMenu() throws IOException {
		List<String> packages = enginePackages();
		// every layer below the front-ends is scanned, the ones named in DESIGN.md and any added later
		assertTrue(packages.containsAll(List.of("run", "task", "peekaboo", "ovdiff", "img", "sd", "vit", "io", "gpu",
			"model", "eval", "train", "synth")), packages.toString());
		List<String> violations = new ArrayList<>();
		for (String pkg : packages)
			for (Path file : sources(pkg)) violations.addAll(frontEndWords(MAIN.relativize(file).toString(),
				Files.readAllLines(file)));
		assertEquals(List.of(), violations);
	}

	@Test
	void theScanFindsFlagsAndMenusInStringLiterals() {
		List<String> found = frontEndWords("X.java", List.of(
			"throw new IllegalArgumentException(\"use --device cpu\");",
			"String menu = \"run it from Plugins > DiffSeg\", other = \"Plugins>DiffSeg>Peekaboo Segment\";",
			"String key = \"prompt=[a cat]\";",
			"// a comment may say --device",
			" * and javadoc may say Plugins > DiffSeg",
			"String fine = \"a 3--4 range, x-y, the device setting\"; int a = b-- - --c;"));
		assertEquals(List.of("X.java:1 \"use --device cpu\"", "X.java:2 \"run it from Plugins > DiffSeg\"",
			"X.java:2 \"Plugins>DiffSeg>Peekaboo Segment\"", "X.java:3 \"prompt=[a cat]\""), found);
	}

	/** The packages under {@link #MAIN} but the front-ends'. */
	private static List<String> enginePackages() throws IOException {
		try (Stream<Path> dirs = Files.list(MAIN)) {
			return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
				.filter(p -> !FRONT_ENDS.contains(p)).sorted().toList();
		}
	}

	/** "file:line literal" for each string literal outside comments that names a flag, a menu or a macro key. */
	private static List<String> frontEndWords(String file, List<String> lines) {
		List<String> found = new ArrayList<>();
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i).strip();
			if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) continue;
			Matcher literal = STRING.matcher(line);
			while (literal.find()) if (FRONT_END_WORDS.matcher(literal.group()).find())
				found.add(file + ":" + (i + 1) + " " + literal.group());
		}
		return found;
	}

	private static List<Path> sources(String pkg) throws IOException {
		Path dir = MAIN.resolve(pkg);
		if (!Files.isDirectory(dir)) return List.of();
		try (Stream<Path> files = Files.walk(dir)) {
			return files.filter(f -> f.toString().endsWith(".java")).toList();
		}
	}
}
