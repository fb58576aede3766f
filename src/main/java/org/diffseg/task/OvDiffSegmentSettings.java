package org.diffseg.task;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.ovdiff.Segmenter;
import org.diffseg.run.DiffSegException;

/**
 * What {@link OvDiffSegmentTask} needs besides the image. The defaults live in the {@link Builder}'s fields and nowhere
 * else: {@link #DEFAULTS} is what every front-end shows (the command line's option defaults, Fiji's dialog fields).
 * Build with {@link #builder()}.
 *
 * @param model the Stable Diffusion folder the bank was built with
 * @param bank the prototype bank folder
 * @param clip the CLIP model folder (its features join the ensemble; its category filter when asked for), or null
 * @param dino the DINO model folder (its features join the ensemble), or null
 * @param classes the classes to segment, in label order; empty for every class of the bank
 * @param stuffOverrides the user's stuff (true) / thing (false) verdicts by class name
 * @param shorterSide the image's shorter side before the windows slide (0: keep the size); 448
 * @param pamr refine the score maps with PAMR before labelling; off
 * @param categoryFilter with a CLIP folder, segment only the classes CLIP finds in each plane; on
 * @param requiredBankSettings bank settings the prototypes must have been built with (e.g. "support_images" → "32"),
 * to choose among several
 */
public record OvDiffSegmentSettings(Path model, Path bank, Path clip, Path dino, List<String> classes,
	Map<String, Boolean> stuffOverrides, int shorterSide, boolean pamr, boolean categoryFilter,
	Map<String, String> requiredBankSettings)
{
	/** The defaults (the authors' code), with no model or bank. */
	public static final OvDiffSegmentSettings DEFAULTS = builder().build();

	public OvDiffSegmentSettings {
		classes = List.copyOf(classes);
		stuffOverrides = Map.copyOf(stuffOverrides);
		requiredBankSettings = Map.copyOf(requiredBankSettings);
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The segmentation settings of the engine. */
	public Segmenter.Settings segmentation() {
		Segmenter.Settings d = Segmenter.Settings.defaults();
		return new Segmenter.Settings(shorterSide, d.windows(), d.stride(), d.wholeImage(), d.stuffFilter(), pamr);
	}

	/** Builds settings; every field starts at its default. */
	public static final class Builder extends OvDiffBuilder<Builder> {
		private int shorterSide = Segmenter.Settings.defaults().shorterSide();
		private boolean pamr = Segmenter.Settings.defaults().pamr(), categoryFilter = true;
		private final Map<String, String> required = new LinkedHashMap<>();

		private Builder() {}

		@Override
		Builder self() {
			return this;
		}

		public Builder shorterSide(int pixels) {
			if (pixels < 0) throw DiffSegException.setting("shorter side", "the shorter side must be 0 or more, not " +
				pixels, "give a size in pixels, or 0 to keep the image's");
			shorterSide = pixels;
			return this;
		}

		public Builder pamr(boolean refine) {
			pamr = refine;
			return this;
		}

		public Builder categoryFilter(boolean on) {
			categoryFilter = on;
			return this;
		}

		/** Requires a bank setting ("support_images", "steps", "seed", "parts"); a null value requires nothing. */
		public Builder require(String bankSetting, Object value) {
			if (value != null) required.put(bankSetting, value.toString());
			return this;
		}

		public OvDiffSegmentSettings build() {
			return new OvDiffSegmentSettings(model, bank, clip, dino, classes, stuff, shorterSide, pamr, categoryFilter,
				required);
		}
	}
}
