package org.diffseg.options;

import java.io.Serializable;
import java.util.ArrayList;

import org.diffseg.task.OvDiffSegmentSettings;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How OVDiff segments an image against a bank ({@code diffseg ovdiff}, the Spark ovdiff job): the classes, the
 * user's stuff/thing verdicts, the windows' scale, PAMR, the further extractors, and which of the bank's prototype
 * settings to use; defaults from {@link OvDiffSegmentSettings#DEFAULTS}.
 */
public final class OvDiffSegmentOptions implements Serializable {
	private static final long serialVersionUID = 1L;
	private static final OvDiffSegmentSettings DEFAULTS = OvDiffSegmentSettings.DEFAULTS;

	@Option(names = "--class", description = "A class to segment; repeat for several (default: every class in the bank).")
	ArrayList<String> classes = new ArrayList<>();

	@Mixin
	StuffOptions verdicts = new StuffOptions();

	@Option(names = "--shorter-side", description = "The image's shorter side is resized to this before the windows " +
		"slide (default ${DEFAULT-VALUE}; 0 keeps the size).")
	int shorterSide = DEFAULTS.shorterSide();

	@Option(names = "--pamr", description = "Refine the score maps with PAMR before labelling (the paper's optional " +
		"post-processing: sharper boundaries, about 2 mIoU more on VOC; a few seconds more on the CPU).")
	boolean pamr = DEFAULTS.pamr();

	@Option(names = "--n", description = "Use the prototypes built from this many support images (when the bank holds " +
		"several settings).")
	Integer n;

	@Option(names = "--steps", description = "Use the prototypes built with this many steps.")
	Integer steps;

	@Option(names = "--seed", description = "Use the prototypes built with this seed.")
	Long seed;

	@Option(names = "--parts", description = "Use the prototypes built with this many parts.")
	Integer parts;

	@Mixin
	VitOptions vit = new VitOptions();

	/** The settings of these options; the caller adds the model and the bank. */
	public OvDiffSegmentSettings.Builder builder() {
		OvDiffSegmentSettings.Builder b = verdicts.apply(OvDiffSegmentSettings.builder().classes(classes));
		return vit.apply(b.shorterSide(shorterSide).pamr(pamr)).categoryFilter(vit.categoryFilter())
			.require("support_images", n).require("steps", steps).require("seed", seed).require("parts", parts);
	}

	/** The CLIP and DINO folders. */
	public VitOptions vit() {
		return vit;
	}
}
