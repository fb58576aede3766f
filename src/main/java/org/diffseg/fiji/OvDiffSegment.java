package org.diffseg.fiji;

import java.io.File;
import java.util.List;
import java.util.Locale;

import org.diffseg.task.OvDiffSegmentResult;
import org.diffseg.task.OvDiffSegmentSettings;
import org.diffseg.task.OvDiffSegmentTask;
import org.diffseg.task.SourceImage;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.plugin.filter.Analyzer;

/**
 * {@code Plugins > DiffSeg > OVDiff Segment...}: segments the current image (or every plane of a stack) against
 * classes of a prototype bank built with {@code OVDiff Build Vocabulary...}, as {@code diffseg ovdiff} does: with
 * Stable Diffusion's features, averaged with CLIP's and DINO's when their folders are given, and with a CLIP folder
 * CLIP's category filter per plane. Label values are the same in every plane: a class the filter removes keeps its
 * label and gets no pixels.
 * <p>
 * Outputs, in this order (the last is the current image afterwards): {@code results} (ImageJ's Results table, replaced:
 * label, class, pixels, area in calibrated units, the plane when several, and with CLIP's category filter "kept", 0 for
 * a class it removed), {@code scores} (only with {@code score_maps=true}: 32-bit, one channel per label, slice labels
 * = class names; NaN for a class the filter removed) and {@code labels} (16-bit, 0 =
 * background, Glasbey LUT, the ROIs as overlay). The class names of the labels, in label order and separated by ';',
 * are each label plane's slice label and the image property "class names" (saved in TIFFs). ROIs named after the
 * classes are added to the ROI Manager, never removing the ones there (headless there is none: the label image's
 * overlay has them). Outputs keep the input's calibration; the input is never changed; cancelling leaves no output.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>OVDiff Segment...", headless = true)
public class OvDiffSegment extends DiffSegCommand {

	/** The image property holding the class names of the labels. */
	public static final String CLASS_NAMES = OvDiffSegmentResult.CLASS_NAMES;

	@Parameter(label = "Image")
	private ImagePlus image;

	@Parameter(label = "Prototype bank folder", style = "directory", description = "A folder built with OVDiff Build " +
		"Vocabulary for the same model.")
	private File bank;

	@Parameter(label = "Classes (empty: all)", required = false, description = "The classes to segment, separated by " +
		"';' or line breaks. Empty: every class in the bank for this model.")
	private String classes = "";

	@Parameter(label = "Channels (empty: automatic)", required = false, description = "For multichannel images: one " +
		"channel (used as grey), e.g. 2, or three (used as R, G, B), e.g. 1,2,3. Empty: RGB, the only channel, or " +
		"the three channels.")
	private String channels = "";

	@Parameter(label = "Segment every plane of a stack", description = "Otherwise only the current slice and frame.")
	private boolean all_planes;

	@Parameter(label = "Score maps", description = "Also output the similarity of every pixel to every class.")
	private boolean score_maps;

	@Parameter(label = "Add ROIs to the ROI Manager", description = "Adds to the ROIs already there, never clears them.")
	private boolean add_rois = true;

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "The Stable Diffusion model the bank was built with. " +
			ModelPreference.EMPTY_HELP)
	private File model;

	@Parameter(label = "CLIP model folder (optional)", style = "directory", required = false, persist = false,
		description = "CLIP ViT-B/16 in Hugging Face layout (openai/clip-vit-base-patch16), as the bank was built " +
			"with: averages CLIP's similarity with Stable Diffusion's and enables the category filter. Empty: not used.")
	private File clip;

	@Parameter(label = "DINO model folder (optional)", style = "directory", required = false, persist = false,
		description = "DINO ViT-B/8 in Hugging Face layout (facebook/dino-vitb8), as the bank was built with. Empty: " +
			"not used.")
	private File dino;

	@Parameter(label = "CLIP category filter", description = "With a CLIP model: segment only the classes CLIP " +
		"finds in the image (stuff classes always); the others get no pixels and NaN scores. OVDiff loses about 10 " +
		"mIoU on VOC without it.")
	private boolean category_filter = OvDiffSegmentSettings.DEFAULTS.categoryFilter();

	@Parameter(label = "Device", choices = { RunDevice.AUTO, RunDevice.CPU, RunDevice.GPU },
		description = RunDevice.DEVICE_HELP)
	private String device = RunDevice.AUTO;

	@Parameter(visibility = ItemVisibility.MESSAGE, persist = false)
	private String advanced = "Advanced settings";

	@Parameter(label = "Shorter side before windows (0: keep)", min = "0", description = "The image's shorter side is " +
		"resized to this before the windows slide.")
	private int shorter_side = OvDiffSegmentSettings.DEFAULTS.shorterSide();

	@Parameter(label = "Refine boundaries (PAMR)", description = "Refine the score maps with PAMR before labelling " +
		"(the paper's optional post-processing: sharper boundaries, about 2 mIoU more on VOC).")
	private boolean pamr = OvDiffSegmentSettings.DEFAULTS.pamr();

	@Parameter(label = "Prototypes of: support images (0: any)", min = "0", description = "When the bank holds " +
		"prototypes built with several settings, use those built from this many support images.")
	private int support_images;

	@Parameter(label = "Prototypes of: denoising steps (0: any)", min = "0")
	private int steps;

	@Parameter(type = ItemIO.OUTPUT, label = "Results")
	private ResultsTable results;

	@Parameter(type = ItemIO.OUTPUT, label = "Scores")
	private ImagePlus scores;

	@Parameter(type = ItemIO.OUTPUT, label = "Labels")
	private ImagePlus labels;

	protected void initModel() {
		model = initialModel(model);
	}

	@Override
	public void run() {
		requireImage(image);
		if (bank == null || bank.getPath().isBlank()) throw new IllegalArgumentException("no prototype bank folder " +
			"given: choose one with bank=[folder] (build it with OVDiff Build Vocabulary).");
		SourceImage source = source(image, channels, all_planes);
		OvDiffSegmentSettings.Builder b = OvDiffSegmentSettings.builder().model(ModelPreference.resolve(model, prefs,
			"model")).bank(bank.toPath()).classes(PromptList.split(classes, "classes", "class"))
			.shorterSide(shorter_side).pamr(pamr).categoryFilter(category_filter)
			.require("support_images", support_images > 0 ? support_images : null)
			.require("steps", steps > 0 ? steps : null);
		OvDiffSegmentSettings settings = extractors(b, clip, dino).build();
		OvDiffSegmentResult result = runTask("OVDiff", RunDevice.choose(device, RunDevice.FLOAT32), settings.model(),
			(models, progress) -> new OvDiffSegmentTask(models).run(source, settings, progress, progress.token()));
		if (result == null) return;
		for (String kind : result.unusedExtractors()) if (log != null) log.warn("OVDiff Segment: the bank also holds " +
			kind.toUpperCase(Locale.ROOT) + " prototypes of these classes: give " + kind + "=[folder] to average its " +
			"features in (the paper's ensemble).");
		output(result);
	}

	private void output(OvDiffSegmentResult result) {
		String title = image.getShortTitle();
		labels = result.labelImage(title + "-labels");
		if (score_maps) scores = result.scoreImage(title + "-scores");
		List<Roi> rois = result.rois();
		if (!rois.isEmpty()) {
			Overlay overlay = new Overlay();
			for (Roi roi : rois) overlay.add((Roi) roi.clone());
			labels.setOverlay(overlay);
		}
		results = new ResultsTable();
		for (OvDiffSegmentResult.Row row : result.rows()) {
			results.incrementCounter();
			if (result.severalPlanes()) results.addValue("plane", row.plane());
			results.addValue("label", row.label());
			results.addValue("class", row.name());
			results.addValue("pixels", row.pixels());
			results.addValue("area", row.area());
			// "kept": 0 when CLIP's category filter removed the class (the background and stuff are always kept)
			if (row.kept() != null) results.addValue("kept", row.kept() ? 1 : 0);
		}
		// the system table, as ImageJ's Measure makes it: macros read it (nResults, saveAs("Results")) even headless,
		// where a table is never shown
		Analyzer.setResultsTable(results);
		if (add_rois) addToRoiManager(image, rois, labels);
	}
}
