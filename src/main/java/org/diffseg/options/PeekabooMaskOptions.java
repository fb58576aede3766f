package org.diffseg.options;

import org.diffseg.peekaboo.PeekabooSettings;

import picocli.CommandLine.Option;

/**
 * How Peekaboo turns an image's alpha into a mask: the options of segmenting ({@code diffseg peekaboo}, the Spark
 * peekaboo job) that generating an RGBA image does not take. Like {@link PeekabooOptions}, a value the user gives wins
 * over the model's recommendation.
 */
public final class PeekabooMaskOptions extends GivenOptions {
	private static final long serialVersionUID = 1L;
	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();
	/** The representation that needs a guide image per image. */
	private static final String GUIDED = "guided bilateral";

	@Option(names = "--representation", description = "raster | raster bilateral | fourier | fourier bilateral | " +
		"guided bilateral (default: " + PeekabooOptions.MODEL + "${DEFAULT-VALUE})")
	String representation = DEFAULTS.representation();

	@Option(names = "--square", description = "crop (centre) or scale (default: " + PeekabooOptions.MODEL +
		"${DEFAULT-VALUE}).")
	String square = DEFAULTS.square();

	@Option(names = "--threshold", description = "Mask threshold on alpha (default: " + PeekabooOptions.MODEL +
		"${DEFAULT-VALUE}).")
	float threshold = DEFAULTS.threshold();

	/** Sets the options the user gave on {@code b} (which holds the model's recommendations). */
	public PeekabooSettings.Builder apply(PeekabooSettings.Builder b) {
		if (given("--representation")) b.representation(representation);
		if (given("--square")) b.square(square);
		if (given("--threshold")) b.threshold(threshold);
		return b;
	}

	/** Whether the user chose the guided representation (it needs a guide image). */
	public boolean guided() {
		return GUIDED.equals(representation) && given("--representation");
	}
}
