package org.diffseg.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.peekaboo.PeekabooSettings;

/**
 * What {@link PeekabooSegmentTask} needs besides the image: the model, the prompts, the engine's settings (whose
 * builder holds the defaults) and, for the "guided bilateral" representation, the guide image. Build with
 * {@link #builder()}.
 */
public final class PeekabooSegmentSettings {

	private final Path model;
	private final List<String> prompts;
	private final PeekabooSettings peekaboo;
	private final SourceImage guide;

	private PeekabooSegmentSettings(Builder b) {
		model = b.model;
		prompts = List.copyOf(b.prompts);
		peekaboo = b.peekaboo;
		guide = b.guide;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The Stable Diffusion folder. */
	public Path model() {
		return model;
	}

	/** What to segment: one alpha map, mask and ROI each. */
	public List<String> prompts() {
		return prompts;
	}

	public PeekabooSettings peekaboo() {
		return peekaboo;
	}

	/**
	 * The guide of "guided bilateral" (e.g. a depth map), or null. Each plane of the image is guided by the same plane
	 * of the guide when the guide has as many slices and frames, else by the guide's chosen plane.
	 */
	public SourceImage guide() {
		return guide;
	}

	public static final class Builder {
		private Path model;
		private final List<String> prompts = new ArrayList<>();
		private PeekabooSettings peekaboo = PeekabooSettings.defaults();
		private SourceImage guide;

		private Builder() {}

		public Builder model(Path folder) {
			model = folder;
			return this;
		}

		public Builder prompts(List<String> what) {
			prompts.clear();
			prompts.addAll(what);
			return this;
		}

		public Builder peekaboo(PeekabooSettings settings) {
			peekaboo = settings;
			return this;
		}

		public Builder guide(SourceImage image) {
			guide = image;
			return this;
		}

		public PeekabooSegmentSettings build() {
			return new PeekabooSegmentSettings(this);
		}
	}
}
