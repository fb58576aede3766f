package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * What a shipped macro or script must produce when the tests run it, written in it as comments:
 * {@code // test: log REGEX} (a Log line matches), {@code // test: output NAME REGEX} (a script output matches),
 * {@code // test: file PATH} (the run wrote PATH into its output folder). With none, the run must only succeed.
 */
record Expectations(List<Pattern> log, Map<String, List<Pattern>> outputs, List<String> files) {

	static Expectations of(Path file) throws IOException {
		List<Pattern> log = new ArrayList<>();
		Map<String, List<Pattern>> outputs = new LinkedHashMap<>();
		List<String> files = new ArrayList<>();
		for (String line : Files.readAllLines(file)) {
			String t = line.strip();
			if (!t.startsWith("// test:")) continue;
			String[] words = t.substring("// test:".length()).strip().split("\\s+", 2);
			switch (words[0]) {
				case "log" -> log.add(Pattern.compile(words[1]));
				case "file" -> files.add(words[1]);
				case "output" -> {
					String[] nameAndRegex = words[1].split("\\s+", 2);
					outputs.computeIfAbsent(nameAndRegex[0], k -> new ArrayList<>()).add(Pattern.compile(nameAndRegex[1]));
				}
				default -> throw new IllegalArgumentException(file + ": unknown expectation '" + t + "'");
			}
		}
		return new Expectations(log, outputs, files);
	}

	/** Every file the run must write is in {@code output}; {@code context} ends the message of a failure. */
	void assertWritten(Path output, String context) {
		for (String file : files)
			assertTrue(Files.isRegularFile(output.resolve(file)), "not written: " + file + context);
	}

	/**
	 * One dynamic test for each file {@link #find} finds, named by its path, running {@code run} on it; the file
	 * {@code known} must be among them, so that a search that goes wrong fails instead of running nothing.
	 */
	static List<DynamicTest> testEach(List<Path> folders, Path known, ThrowingConsumer<Path> run, String... extensions)
		throws IOException
	{
		List<Path> found = find(folders, extensions);
		assertTrue(found.contains(known), "found: " + found);
		return found.stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> run.accept(f))).toList();
	}

	/** The files under {@code folders} whose names end with one of {@code extensions}, sorted. */
	static List<Path> find(List<Path> folders, String... extensions) throws IOException {
		List<Path> found = new ArrayList<>();
		for (Path folder : folders) {
			if (!Files.isDirectory(folder)) continue;
			try (Stream<Path> files = Files.walk(folder)) {
				files.filter(Files::isRegularFile).filter(f -> Stream.of(extensions).anyMatch(e -> f.toString().endsWith(e)))
					.sorted().forEach(found::add);
			}
		}
		return found;
	}

	/**
	 * The arguments a shipped macro or script gets in the tests, as a user passes them: the tiny fixture models, an
	 * input folder with one small RGB image, and an empty output folder.
	 */
	static Map<String, Path> arguments(Path work) throws IOException {
		Path input = Files.createDirectories(work.resolve("input")), output = Files.createDirectories(work.resolve("output"));
		ij.ImagePlus imp = ij.IJ.createImage("cells", "RGB ramp", 64, 48, 1);
		ij.IJ.saveAsTiff(imp, input.resolve("cells.tif").toString());
		imp.close();
		Map<String, Path> args = new LinkedHashMap<>();
		args.put("model", Path.of("models/tiny-sd-a").toAbsolutePath());
		args.put("clip", Path.of("models/tiny-vit/tiny-clip").toAbsolutePath());
		args.put("dino", Path.of("models/tiny-vit/tiny-dino").toAbsolutePath());
		args.put("input", input);
		args.put("output", output);
		return args;
	}
}
