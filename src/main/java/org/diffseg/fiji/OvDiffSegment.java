package org.diffseg.fiji;

import java.awt.GraphicsEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.img.ImageInputs;
import org.diffseg.img.MaskRois;
import org.diffseg.img.ResultImages;
import org.diffseg.img.RgbPlanes;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.sd.StableDiffusion;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;
import org.scijava.task.TaskService;

import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.measure.ResultsTable;
import ij.plugin.filter.Analyzer;
import ij.plugin.frame.RoiManager;

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
public class OvDiffSegment extends ContextCommand {

	/** The image property holding the class names of the labels. */
	public static final String CLASS_NAMES = "class names";

	@Parameter
	private DiffSegModelService models;

	@Parameter(required = false)
	private PrefService prefs;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private LogService log;

	@Parameter(required = false)
	private TaskService tasks;

	@Parameter(label = "Image")
	private ImagePlus image;

	@Parameter(label = "Prototype bank folder", style = "directory", description = "A folder built with OVDiff Build " +
		"Vocabulary for the same model.")
	private File bank;

	@Parameter(label = "Classes (empty: all)", required = false, description = "The classes to segment, separated by " +
		"';' or line breaks. Empty: every class in the bank for this model.")
	private String classes = "";

	@Parameter(label = "Segment every plane of a stack", description = "Otherwise only the current slice and frame.")
	private boolean all_planes;

	@Parameter(label = "Score maps", description = "Also output the similarity of every pixel to every class.")
	private boolean score_maps;

	@Parameter(label = "Add ROIs to the ROI Manager", description = "Adds to the ROIs already there, never clears them.")
	private boolean add_rois = true;

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "The Stable Diffusion model the bank was built with. Empty: the one " +
			"used last, else the model shipped with DiffSeg.")
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
	private boolean category_filter = true;

	@Parameter(label = "Device", choices = { OvDiffModel.AUTO, OvDiffModel.CPU, OvDiffModel.GPU }, description = "auto: " +
		"the environment variable DIFFSEG_DEVICE when set, else the GPU with the most free memory, else the CPU.")
	private String device = OvDiffModel.AUTO;

	@Parameter(visibility = ItemVisibility.MESSAGE, persist = false)
	private String advanced = "Advanced settings";

	@Parameter(label = "Shorter side before windows (0: keep)", min = "0", description = "The image's shorter side is " +
		"resized to this before the windows slide.")
	private int shorter_side = Segmenter.Settings.defaults().shorterSide();

	@Parameter(label = "Refine boundaries (PAMR)", description = "Refine the score maps with PAMR before labelling " +
		"(the paper's optional post-processing: sharper boundaries, about 2 mIoU more on VOC).")
	private boolean pamr;

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
		if (model == null) {
			Path folder = ModelPreference.defaultFolder(prefs);
			if (folder != null) model = folder.toFile();
		}
	}

	/** One plane of the input, 0-based. */
	private record Plane(int z, int t) {}

	@Override
	public void run() {
		if (image == null) throw new IllegalArgumentException("there is no image open: open an image first.");
		if (bank == null || bank.getPath().isBlank()) throw new IllegalArgumentException("no prototype bank folder " +
			"given: choose one with bank=[folder] (build it with OVDiff Build Vocabulary).");
		List<String> wanted = PromptList.split(classes, "classes", "class");
		Path folder = ModelPreference.resolve(model, prefs, "model");
		boolean every = all_planes && image.getNSlices() * image.getNFrames() > 1;
		List<Plane> planes = new ArrayList<>();
		if (every) {
			for (int t = 0; t < image.getNFrames(); t++)
				for (int z = 0; z < image.getNSlices(); z++) planes.add(new Plane(z, t));
		}
		else planes.add(new Plane(image.getZ() - 1, image.getT() - 1));
		// read every plane before loading the model: an unusable image fails at once
		List<RgbPlanes> inputs = new ArrayList<>();
		for (Plane p : planes) inputs.add(ImageInputs.rgb(image, null, p.z(), p.t()));
		Map<String, String> required = new LinkedHashMap<>();
		if (support_images > 0) required.put("support_images", Integer.toString(support_images));
		if (steps > 0) required.put("steps", Integer.toString(steps));
		DeviceChoice dev = OvDiffModel.device(device);
		OvDiff ovdiff = new OvDiff();
		List<OvDiff.Segmentation> segmented = new ArrayList<>();
		try (RunLease lease = models.acquire(dev.deviceName());
			FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff", this))
		{
			if (status != null) status.showStatus("OVDiff: loading the model " + folder.getFileName() + " on " +
				dev.deviceName() + "...");
			StableDiffusion sd = OvDiffModel.load(models, folder, dev);
			PrototypeBank b = OvDiff.findBank(bank.toPath(), sd, wanted, required);
			String size = b.settings().getOrDefault("image_size", "native");
			OvDiffModel.Extractors vits = OvDiffModel.extractors(models, sd, size.equals("native") ? 0 :
				Integer.parseInt(size), clip, dino, category_filter, dev);
			FeatureExtractor.Ensemble features = vits.ensemble();
			List<String> names = wanted.isEmpty() ? OvDiff.vocabulary(b, features) : wanted;
			for (String kind : OvDiff.unusedExtractors(b, names, features)) if (log != null) log.warn("OVDiff Segment: " +
				"the bank also holds " + kind.toUpperCase(Locale.ROOT) + " prototypes of these classes: give " + kind +
				"=[folder] to average its features in (the paper's ensemble).");
			Segmenter.Settings d = Segmenter.Settings.defaults();
			OvDiff.Settings settings = OvDiff.Settings.defaults().withSegmentation(new Segmenter.Settings(shorter_side,
				d.windows(), d.stride(), d.wholeImage(), d.stuffFilter(), pamr));
			for (int k = 0; k < planes.size(); k++) {
				String what = planes.size() == 1 ? "window" : "plane " + (k + 1) + "/" + planes.size() + ", window";
				try (NDManager m = NDManager.newBaseManager(sd.device)) {
					segmented.add(ovdiff.segment(inputs.get(k).toNDArray(m).expandDims(0), b, names, features, settings,
						vits.filter(), (c, stage, done, total) -> {
							if (!progress.stage(what).onStep(done, total)) {
								ovdiff.cancel();
								throw new CancellationException("segmentation cancelled");
							}
						}));
				}
			}
		}
		catch (CancellationException e) {
			cancel(UserMessages.describe(e)); // no outputs
			return;
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		output(planes, segmented, every);
	}

	private void output(List<Plane> planes, List<OvDiff.Segmentation> segmented, boolean every) {
		int w = image.getWidth(), h = image.getHeight();
		List<String> names = segmented.get(0).result().labels();
		String classNames = String.join(";", names);
		Calibration cal = image.getCalibration();
		ImageStack labelStack = new ImageStack(w, h);
		ImageStack scoreStack = new ImageStack(w, h);
		Overlay overlay = new Overlay();
		List<Roi> rois = new ArrayList<>();
		results = new ResultsTable();
		double pixelArea = cal.pixelWidth * cal.pixelHeight;
		for (int k = 0; k < planes.size(); k++) {
			Segmenter.Result r = segmented.get(k).result();
			CategoryFilter.Result filtered = segmented.get(k).filter();
			if (r.width() != w || r.height() != h) throw new IllegalStateException("the segmentation is " + r.width() +
				"x" + r.height() + ", not the image's " + w + "x" + h);
			labelStack.addSlice(classNames, ResultImages.labelImage("labels", r.labelImage(), w, h, null).getProcessor());
			if (score_maps) {
				ImageStack maps = ResultImages.floatMaps("scores", List.of(r.scores()), names, w, h, null).getStack();
				for (int l = 1; l <= maps.size(); l++) scoreStack.addSlice(maps.getSliceLabel(l), maps.getProcessor(l));
			}
			long[] pixels = new long[names.size()];
			for (int l : r.labelImage()) pixels[l]++;
			for (int l = 0; l < names.size(); l++) {
				results.incrementCounter();
				if (every) results.addValue("plane", k + 1);
				results.addValue("label", l);
				results.addValue("class", names.get(l));
				results.addValue("pixels", pixels[l]);
				results.addValue("area", pixels[l] * pixelArea);
				// "kept": 0 when CLIP's category filter removed the class (the background and stuff are always kept)
				if (filtered != null) results.addValue("kept", l == 0 || filtered.selected().contains(names.get(l)) ? 1 : 0);
				if (l == 0) continue;
				Roi roi = MaskRois.fromLabels(r.labelImage(), w, h, l, names.get(l));
				if (roi == null) continue;
				Plane p = planes.get(k);
				if (every) roi.setPosition(0, p.z() + 1, p.t() + 1);
				rois.add(roi);
				overlay.add((Roi) roi.clone());
			}
		}
		int nz = every ? image.getNSlices() : 1, nt = every ? image.getNFrames() : 1;
		String title = image.getShortTitle();
		labels = new ImagePlus(title + "-labels", labelStack);
		labels.setDimensions(1, nz, nt);
		labels.setLut(labelStack.getProcessor(1).getLut());
		labels.setDisplayRange(0, 255);
		labels.setCalibration(cal.copy());
		labels.setProp(CLASS_NAMES, classNames);
		if (labelStack.size() == 1) labels.setProp("Slice_Label", classNames); // where ImageJ keeps a single image's
		if (overlay.size() > 0) labels.setOverlay(overlay);
		if (score_maps) {
			scores = new ImagePlus(title + "-scores", scoreStack);
			scores.setDimensions(names.size(), nz, nt);
			scores.setCalibration(cal.copy());
			scores.resetDisplayRange();
			scores.setProp(CLASS_NAMES, classNames);
		}
		// the system table, as ImageJ's Measure makes it: macros read it (nResults, saveAs("Results")) even headless,
		// where a table is never shown
		Analyzer.setResultsTable(results);
		if (add_rois) addToRoiManager(rois);
	}

	/** Adds to the ROI Manager (the window, or a batch-mode macro's hidden one), keeping what is there. */
	private void addToRoiManager(List<Roi> rois) {
		if (rois.isEmpty() || GraphicsEnvironment.isHeadless()) return; // headless: no ROI Manager, the overlay has them
		RoiManager manager = RoiManager.getInstance();
		if (manager == null) manager = RoiManager.getRoiManager();
		for (Roi roi : rois) manager.add(image, roi, -1);
	}
}
