package org.diffseg.options;

import java.io.Serializable;

import org.diffseg.task.PrototypesSettings;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How OVDiff builds the prototypes of a class ({@code diffseg prototypes}, the Spark prototypes job, and what
 * {@code diffseg bench ovdiff} times): support images, sampling, parts, splitter, the user's stuff/thing verdicts and
 * the further extractors; defaults from {@link PrototypesSettings#DEFAULTS}.
 */
public final class PrototypeOptions implements Serializable {
	private static final long serialVersionUID = 1L;
	private static final PrototypesSettings DEFAULTS = PrototypesSettings.DEFAULTS;

	@Option(names = "--n", description = "Support images per class (default ${DEFAULT-VALUE}).")
	int n = DEFAULTS.supportImages();

	@Option(names = "--batch", description = "Support images sampled together (default ${DEFAULT-VALUE}; more is " +
		"faster on a GPU and needs more memory; the images do not change).")
	int batch = DEFAULTS.batch();

	@Option(names = "--seed", description = "Seed of every class: image i starts from seed + i (default " +
		"${DEFAULT-VALUE}).")
	long seed = DEFAULTS.seed();

	@Option(names = "--steps", description = "DPM-Solver++ steps per image (default ${DEFAULT-VALUE}).")
	int steps = DEFAULTS.steps();

	@Option(names = "--size", description = "Support image size in pixels, a multiple of 8 (default ${DEFAULT-VALUE}: " +
		"the model's native size, 512 for SD 1.5).")
	int size = DEFAULTS.size();

	@Option(names = "--parts", description = "K-means part prototypes per region (default ${DEFAULT-VALUE}).")
	int parts = DEFAULTS.parts();

	@Option(names = "--splitter", description = "Foreground/background split of the attribution maps: threshold " +
		"(fg > 0.5, bg < 0.2) or otsu (multi-level Otsu); default ${DEFAULT-VALUE}.")
	String splitter = DEFAULTS.splitter();

	@Mixin
	StuffOptions verdicts = new StuffOptions();

	@Mixin
	VitOptions vit = new VitOptions();

	public PrototypeOptions() {}

	/**
	 * With another default number of support images ({@code diffseg bench ovdiff} samples a few to time one, not a
	 * class's worth); every other default is the engine's.
	 */
	public PrototypeOptions(int supportImages) {
		n = supportImages;
	}

	/** The settings of these options; the caller adds the model, the bank and the classes. */
	public PrototypesSettings.Builder builder() {
		PrototypesSettings.Builder b = PrototypesSettings.builder().supportImages(n).batch(batch).seed(seed).steps(steps)
			.size(size).parts(parts).splitter(splitter);
		return vit.apply(verdicts.apply(b));
	}

	/** The CLIP and DINO folders. */
	public VitOptions vit() {
		return vit;
	}
}
