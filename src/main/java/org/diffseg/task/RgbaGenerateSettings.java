package org.diffseg.task;

import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;

/**
 * What {@link RgbaGenerateTask} needs: the model, the prompt and the engine's settings (whose builder holds the
 * defaults; the representation is always Fourier features here). Build with {@link #builder()}.
 */
public final class RgbaGenerateSettings {

	private final Path model;
	private final String prompt;
	private final PeekabooSettings peekaboo;

	private RgbaGenerateSettings(Builder b) {
		model = b.model;
		prompt = b.prompt == null ? "" : b.prompt.strip();
		peekaboo = b.peekaboo;
	}

	public static Builder builder() {
		return new Builder();
	}

	public Path model() {
		return model;
	}

	/** What to generate. */
	public String prompt() {
		return prompt;
	}

	public PeekabooSettings peekaboo() {
		return peekaboo;
	}

	public static final class Builder {
		private Path model;
		private String prompt;
		private PeekabooSettings peekaboo = PeekabooSettings.defaults();

		private Builder() {}

		public Builder model(Path folder) {
			model = folder;
			return this;
		}

		public Builder prompt(String what) {
			prompt = what;
			return this;
		}

		public Builder peekaboo(PeekabooSettings settings) {
			peekaboo = settings;
			return this;
		}

		public RgbaGenerateSettings build() {
			return new RgbaGenerateSettings(this);
		}
	}
}
