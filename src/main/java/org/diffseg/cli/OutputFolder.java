package org.diffseg.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a command's outputs so that a failed or cancelled run never leaves them looking complete: files are written to
 * a hidden staging folder inside the output folder and moved into place at {@link #commit()}, {@code result.json} last.
 */
final class OutputFolder implements AutoCloseable {
	final Path out;
	final Path staging;
	private boolean committed;

	OutputFolder(Path out) throws IOException {
		if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(out + " is a file: give a folder for --out.");
		Files.createDirectories(out);
		this.out = out;
		this.staging = Files.createTempDirectory(out, ".diffseg-partial-");
	}

	/** Where to write a file before commit. */
	Path file(String name) {
		return staging.resolve(name);
	}

	void commit() throws IOException {
		Path result = staging.resolve("result.json");
		try (Stream<Path> files = Files.list(staging)) {
			for (Path f : (Iterable<Path>) files.filter(p -> !p.equals(result))::iterator)
				Files.move(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
		}
		if (Files.exists(result)) Files.move(result, out.resolve("result.json"), StandardCopyOption.REPLACE_EXISTING);
		committed = true;
	}

	@Override
	public void close() throws IOException {
		if (!Files.exists(staging)) return;
		try (Stream<Path> walk = Files.walk(staging)) {
			for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
		}
		if (!committed) Files.deleteIfExists(staging);
	}
}
