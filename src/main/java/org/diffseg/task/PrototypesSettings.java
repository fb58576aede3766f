package org.diffseg.task;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.ovdiff.MaskSplitter;
import org.diffseg.ovdiff.MultiOtsuSplitter;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.Prototypes;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.ovdiff.ThresholdSplitter;
import org.diffseg.run.DiffSegException;

/**
 * What {@link PrototypesTask} needs. The defaults (the authors' code) live in the {@link Builder}'s fields and nowhere
 * else: {@link #DEFAULTS} is what every front-end shows. Build with {@link #builder()}.
 *
 * @param model the Stable Diffusion folder
 * @param bank the prototype bank folder (created if missing)
 * @param clip the CLIP model folder (CLIP prototypes too), or null
 * @param dino the DINO model folder (DINO prototypes too), or null
 * @param classes the classes to build
 * @param supportImages support images per class, 32
 * @param steps DPM-Solver++ steps per support image, 30
 * @param size support image size in pixels (0: the model's native size)
 * @param parts K-means part prototypes per region, 32
 * @param batch support images sampled together (memory and speed, not results), 1
 * @param seed support image i of every class starts from seed + i, 42
 * @param splitter {@link #THRESHOLD} (fg &gt; 0.5, bg &lt; 0.2) or {@link #OTSU} (multi-level Otsu)
 * @param stuff the user's stuff (true) / thing (false) verdicts by class name
 */
public record PrototypesSettings(Path model, Path bank, Path clip, Path dino, List<String> classes, int supportImages,
	int steps, int size, int parts, int batch, long seed, String splitter, Map<String, Boolean> stuff)
{
	/** The foreground/background splitters by name. */
	public static final String THRESHOLD = "threshold", OTSU = "otsu";

	/** The defaults, with no model, bank or class. */
	public static final PrototypesSettings DEFAULTS = builder().build();

	public PrototypesSettings {
		classes = List.copyOf(classes);
		stuff = Map.copyOf(stuff);
	}

	public static Builder builder() {
		return new Builder();
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
	public static final class Builder extends OvDiffBuilder<Builder> {
		private int supportImages = SupportSet.Sampling.defaults().images();
		private int steps = SupportSet.Sampling.defaults().steps();
		private int size = SupportSet.Sampling.defaults().size();
		private int parts = Prototypes.DEFAULT_PARTS;
		private int batch = OvDiff.Settings.defaults().batchSize();
		private long seed = SupportSet.Sampling.defaults().seed();
		private String splitter = THRESHOLD;

		private Builder() {}

		@Override
		Builder self() {
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

		public PrototypesSettings build() {
			return new PrototypesSettings(model, bank, clip, dino, classes, supportImages, steps, size, parts, batch, seed,
				splitter, stuff);
		}
	}
}
