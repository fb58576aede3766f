package org.diffseg.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.MaskSplitter;
import org.diffseg.ovdiff.MultiOtsuSplitter;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.Prototypes;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.ovdiff.ThresholdSplitter;
import org.diffseg.run.DiffSegException;

/**
 * What {@link PrototypesTask} needs: the model, the bank folder, the classes, the optional CLIP and DINO folders and
 * the settings that change prototypes. The defaults (the authors' code) live in the builder's fields and nowhere else:
 * {@link #DEFAULTS} is what every front-end shows.
 */
public final class PrototypesSettings {

	/** The defaults, with no model, bank or class. */
	public static final PrototypesSettings DEFAULTS = builder().build();

	/** The foreground/background splitters by name. */
	public static final String THRESHOLD = "threshold", OTSU = "otsu";

	private final Path model, bank, clip, dino;
	private final List<String> classes;
	private final int supportImages, steps, size, parts, batch;
	private final long seed;
	private final String splitter;
	private final Map<String, Boolean> stuff;

	private PrototypesSettings(Builder b) {
		model = b.model;
		bank = b.bank;
		clip = b.clip;
		dino = b.dino;
		classes = List.copyOf(b.classes);
		supportImages = b.supportImages;
		steps = b.steps;
		size = b.size;
		parts = b.parts;
		batch = b.batch;
		seed = b.seed;
		splitter = b.splitter;
		stuff = Map.copyOf(b.stuff);
	}

	public static Builder builder() {
		return new Builder();
	}

	public Path model() {
		return model;
	}

	public Path bank() {
		return bank;
	}

	public Path clip() {
		return clip;
	}

	public Path dino() {
		return dino;
	}

	public List<String> classes() {
		return classes;
	}

	/** Support images per class, 32. */
	public int supportImages() {
		return supportImages;
	}

	/** DPM-Solver++ steps per support image, 30. */
	public int steps() {
		return steps;
	}

	/** Support image size in pixels (0: the model's native size). */
	public int size() {
		return size;
	}

	/** K-means part prototypes per region, 32. */
	public int parts() {
		return parts;
	}

	/** Support images sampled together (memory and speed, not results), 1. */
	public int batch() {
		return batch;
	}

	/** Support image i of every class starts from seed + i, 42. */
	public long seed() {
		return seed;
	}

	/** {@link #THRESHOLD} (fg &gt; 0.5, bg &lt; 0.2) or {@link #OTSU} (multi-level Otsu). */
	public String splitter() {
		return splitter;
	}

	/** The engine's settings. */
	public OvDiff.Settings ovdiff() {
		MaskSplitter split = switch (splitter.toLowerCase(Locale.ROOT)) {
			case THRESHOLD -> new ThresholdSplitter();
			case OTSU, "multiotsu" -> new MultiOtsuSplitter();
			default -> throw DiffSegException.setting("splitter", "unknown splitter '" + splitter + "'",
				"use threshold or otsu");
		};
		OvDiff.Settings s = OvDiff.Settings.defaults().withSampling(SupportSet.Sampling.defaults().withImages(
			supportImages).withSeed(seed).withSteps(steps).withSize(size)).withParts(parts).withBatchSize(batch)
			.withSplitter(split);
		for (Map.Entry<String, Boolean> e : stuff.entrySet()) s = s.withStuff(e.getKey(), e.getValue());
		return s;
	}

	/** Builds settings; every field starts at its default. */
	public static final class Builder {
		private Path model, bank, clip, dino;
		private final List<String> classes = new ArrayList<>();
		private int supportImages = SupportSet.Sampling.defaults().images();
		private int steps = SupportSet.Sampling.defaults().steps();
		private int size = SupportSet.Sampling.defaults().size();
		private int parts = Prototypes.DEFAULT_PARTS;
		private int batch = OvDiff.Settings.defaults().batchSize();
		private long seed = SupportSet.Sampling.defaults().seed();
		private String splitter = THRESHOLD;
		private final Map<String, Boolean> stuff = new LinkedHashMap<>();

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

		public Builder supportImages(int n) {
			supportImages = n;
			return this;
		}

		public Builder steps(int n) {
			steps = n;
			return this;
		}

		public Builder size(int pixels) {
			size = pixels;
			return this;
		}

		public Builder parts(int k) {
			parts = k;
			return this;
		}

		public Builder batch(int n) {
			batch = n;
			return this;
		}

		public Builder seed(long s) {
			seed = s;
			return this;
		}

		public Builder splitter(String name) {
			splitter = name;
			return this;
		}

		/** Declares classes stuff (no background prototypes) or things, over the built-in table. */
		public Builder stuff(List<String> stuffClasses, List<String> thingClasses) {
			for (String c : stuffClasses) stuff.put(ClassNames.key(c), true);
			for (String c : thingClasses) {
				if (Boolean.TRUE.equals(stuff.get(ClassNames.key(c)))) throw DiffSegException.setting("stuff", "'" + c +
					"' is declared both stuff and thing", "keep one");
				stuff.put(ClassNames.key(c), false);
			}
			return this;
		}

		public PrototypesSettings build() {
			return new PrototypesSettings(this);
		}
	}
}
