package org.diffseg.task;

import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;

/**
 * What {@link RgbaGenerateTask} needs. The defaults are the engine's, in {@link PeekabooSettings#builder()} (the
 * representation is always Fourier features here).
 *
 * @param model the Stable Diffusion folder
 * @param prompt what to generate
 */
public record RgbaGenerateSettings(Path model, String prompt, PeekabooSettings peekaboo) {
	public RgbaGenerateSettings {
		prompt = prompt == null ? "" : prompt.strip();
	}
}
