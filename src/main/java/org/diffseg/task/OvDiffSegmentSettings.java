package org.diffseg.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.run.DiffSegException;

/**
 * What {@link OvDiffSegmentTask} needs besides the image. The defaults live here and nowhere else:
 * {@link #DEFAULTS} is what every front-end shows (the command line's option defaults, Fiji's dialog fields).
 * Build with {@link #builder()}.
 */
public final class OvDiffSegmentSettings {

	/** The defaults (the authors' code), with no model or bank. */
	public static final OvDiffSegmentSettings DEFAULTS = builder().build();

	private final Path model, bank, clip, dino;
	private final List<String> classes;
	private final Map<String, Boolean> stuffOverrides;
	private final int shorterSide;
	private final boolean pamr, categoryFilter;
	private final Map<String, String> requiredBankSettings;

	private OvDiffSegmentSettings(Builder b) {
		model = b.model;
		bank = b.bank;
		clip = b.clip;
		dino = b.dino;
		classes = List.copyOf(b.classes);
		stuffOverrides = Map.copyOf(b.stuff);
		shorterSide = b.shorterSide;
		pamr = b.pamr;
		categoryFilter = b.categoryFilter;
		requiredBankSettings = Map.copyOf(b.required);
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The Stable Diffusion folder the bank was built with (null: the front-end's default). */
	public Path model() {
		return model;
	}

	/** The prototype bank folder. */
	public Path bank() {
		return bank;
	}

	/** The CLIP model folder (its features join the ensemble; its category filter when asked for), or null. */
	public Path clip() {
		return clip;
	}

	/** The DINO model folder (its features join the ensemble), or null. */
	public Path dino() {
		return dino;
	}

	/** The classes to segment, in label order; empty for every class of the bank. */
	public List<String> classes() {
		return classes;
	}

	/** The user's stuff (true) / thing (false) verdicts by class name. */
	public Map<String, Boolean> stuffOverrides() {
		return stuffOverrides;
	}

	/** The image's shorter side before the windows slide (0: keep the size). Default 448. */
	public int shorterSide() {
		return shorterSide;
	}

	/** Refine the score maps with PAMR before labelling. Default off. */
	public boolean pamr() {
		return pamr;
	}

	/** With a CLIP folder: segment only the classes CLIP finds in each plane. Default on. */
	public boolean categoryFilter() {
		return categoryFilter;
	}

	/** Bank settings the prototypes must have been built with (e.g. "support_images" → "32"), to choose among several. */
	public Map<String, String> requiredBankSettings() {
		return requiredBankSettings;
	}

	/** The segmentation settings of the engine. */
	public Segmenter.Settings segmentation() {
		Segmenter.Settings d = Segmenter.Settings.defaults();
		return new Segmenter.Settings(shorterSide, d.windows(), d.stride(), d.wholeImage(), d.stuffFilter(), pamr);
	}

	/** Builds settings; every field starts at its default. */
	public static final class Builder {
		private Path model, bank, clip, dino;
		private final List<String> classes = new ArrayList<>();
		private final Map<String, Boolean> stuff = new LinkedHashMap<>();
		private int shorterSide = Segmenter.Settings.defaults().shorterSide();
		private boolean pamr = Segmenter.Settings.defaults().pamr(), categoryFilter = true;
		private final Map<String, String> required = new LinkedHashMap<>();

		private Builder() {}

		public Builder model(Path folder) {
			model = folder;
			return this;
		}

		public Builder bank(Path folder) {
			bank = folder;
			return this;
		}

		public Builder clip(Path folder) {
			clip = folder;
			return this;
		}

		public Builder dino(Path folder) {
			dino = folder;
			return this;
		}

		public Builder classes(List<String> names) {
			classes.clear();
			classes.addAll(names);
			return this;
		}

		/** Declares classes stuff (no background prototypes) or things for this run. */
		public Builder stuff(List<String> stuffClasses, List<String> thingClasses) {
			for (String c : stuffClasses) stuff.put(ClassNames.key(c), true);
			for (String c : thingClasses) {
				if (Boolean.TRUE.equals(stuff.get(ClassNames.key(c)))) throw DiffSegException.setting("stuff", "'" + c +
					"' is declared both stuff and thing", "keep one");
				stuff.put(ClassNames.key(c), false);
			}
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
			return new OvDiffSegmentSettings(this);
		}
	}
}
