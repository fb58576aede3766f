package org.diffseg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layers of DESIGN.md's diagram, checked on the sources: cli and fiji above task, task above the engines, no
 * arrow back; and no engine or use case speaks of a command-line flag or a Fiji menu (the front-ends word failures).
 */
class LayersTest {
	private static final Path MAIN = Path.of("src/main/java/org/diffseg");

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
	void enginesAndUseCasesNameNoFlagOrMenu() throws IOException {
		List<String> violations = new ArrayList<>();
		for (String pkg : List.of("run", "task", "peekaboo", "ovdiff", "img", "sd", "vit"))
			for (Path file : sources(pkg)) {
				List<String> lines = Files.readAllLines(file);
				for (int i = 0; i < lines.size(); i++) {
					String line = lines.get(i).strip();
					if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) continue;
					Matcher literal = STRING.matcher(line);
					while (literal.find()) if (FRONT_END_WORDS.matcher(literal.group()).find())
						violations.add(MAIN.relativize(file) + ":" + (i + 1) + " " + literal.group());
				}
			}
		assertEquals(List.of(), violations);
	}

	private static List<Path> sources(String pkg) throws IOException {
		Path dir = MAIN.resolve(pkg);
		if (!Files.isDirectory(dir)) return List.of();
		try (Stream<Path> files = Files.walk(dir)) {
			return files.filter(f -> f.toString().endsWith(".java")).toList();
		}
	}
}
