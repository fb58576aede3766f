package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shipped default model (the tiny random-weight fixture model under {@code models/tiny-sd-a}): found next to the
 * working directory or next to the jar (target/diffseg.jar -> ../models).
 */
final class DefaultModel {
	static final String RELATIVE = "models/tiny-sd-a";

	private DefaultModel() {}

	static Path folder() {
		Path here = Path.of(RELATIVE);
		if (Files.isDirectory(here)) return here;
		try {
			Path jar = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			for (Path dir = jar.getParent(); dir != null; dir = dir.getParent())
				if (Files.isDirectory(dir.resolve(RELATIVE))) return dir.resolve(RELATIVE);
		}
		catch (Exception e) {
			// fall through to the error
		}
		throw new UserError("no --model given and the shipped model folder " + RELATIVE + " was not found: give " +
			"--model DIR (a Stable Diffusion folder in diffusers layout).");
	}
}
