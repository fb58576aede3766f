package org.diffseg.cli;

import java.nio.file.Path;

/**
 * The shipped default model ({@link org.diffseg.fiji.ModelPreference#SHIPPED}): found in the working directory or
 * next to the jar (target/diffseg.jar -> ../models).
 */
final class DefaultModel {
	static final String RELATIVE = org.diffseg.fiji.ModelPreference.SHIPPED;

	private DefaultModel() {}

	static Path folder() {
		Path shipped = org.diffseg.fiji.ModelPreference.shipped();
		if (shipped != null) return shipped;
		throw new UserError("no --model given and the shipped model folder " + RELATIVE + " was not found: give " +
			"--model DIR (a Stable Diffusion folder in diffusers layout).");
	}
}
