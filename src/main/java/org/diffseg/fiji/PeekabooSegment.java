package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.peekaboo.BilateralProxyBlur;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.task.ModelRecommendations;
import org.diffseg.task.PeekabooImages;
import org.diffseg.task.PeekabooSegmentResult;
import org.diffseg.task.PeekabooSegmentSettings;
import org.diffseg.task.PeekabooSegmentTask;
import org.diffseg.task.SourceImage;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import ij.ImagePlus;
import ij.WindowManager;

/**
 * {@code Plugins > DiffSeg > Peekaboo Segment...}: segments the current image from text prompts with Peekaboo, one
 * alpha map, mask and ROI per prompt. Macro: {@code run("Peekaboo Segment...", "prompts=[a cat; a dog] ...")}; the
 * keys are the parameter names below, and the defaults are the authors' settings (see DESIGN.md).
 * <p>
 * Outputs, in this order (the last one is the current image afterwards): {@code alpha} (32-bit, one channel per
 * prompt, slice labels = prompts), {@code timelapse_maps} (32-bit, only with {@code timelapse=true}) and {@code masks}
 * (8-bit 0/255 with the ROIs as overlay). With {@code all_planes=true} every slice and frame of a stack is segmented
 * and the outputs have its Z and T; otherwise only the current plane. ROIs named after the prompts are added to the
 * ROI Manager, never removing the ones there; headless there is no ROI Manager and the mask overlay holds them.
 * Cancelling leaves no output; the input image is never changed.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>Peekaboo Segment...", headless = true)
public class PeekabooSegment extends DiffSegCommand {

	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();

	@Parameter(label = "Image")
	private ImagePlus image;

	@Parameter(label = "Prompts", description = "What to segment; several prompts separated by ';' or line breaks, " +
		"e.g. 'a cat; a dog'. Each gets its own alpha map, mask and ROI.")
	private String prompts = "";

	@Parameter(label = "Alpha representation", choices = { "fourier bilateral", "fourier", "raster bilateral", "raster",
		"guided bilateral" }, description = "How the alpha mask is parametrised; 'guided bilateral' follows the edges " +
			"of the guide image (e.g. a depth map) instead of the image's.")
	private String representation = DEFAULTS.representation();

	@Parameter(label = "Guide image title (guided bilateral)", required = false, persist = false,
		description = "The title of an open image of the same width and height whose edges the alpha follows " +
			"(e.g. a depth map); used by 'guided bilateral' only.")
	private String guide = "";

	@Parameter(label = "Iterations", min = "1")
	private int iterations = DEFAULTS.iterations();

	@Parameter(label = "Alpha size (pixels)", min = "8", description = "The alpha is optimised at size x size pixels " +
		"and mapped back to the image's size.")
	private int size = DEFAULTS.size();

	@Parameter(label = "Make square by", choices = { "crop", "scale" }, description = "crop: segment the centred " +
		"square (the rest is 0); scale: stretch the whole image to a square and back.")
	private String square = DEFAULTS.square();

	@Parameter(label = "Mask threshold", min = "0", max = "1", stepSize = "0.05")
	private double threshold = DEFAULTS.threshold();

	@Parameter(label = "Seed", description = "The same seed on the same device gives the same result.")
	private long seed = DEFAULTS.seed();

	@Parameter(label = "Channels (empty: automatic)", required = false, description = "For multichannel images: one " +
		"channel (used as grey), e.g. 2, or three (used as R, G, B), e.g. 1,2,3. Empty: RGB, the only channel, or " +
		"the three channels.")
	private String channels = "";

	@Parameter(label = "Segment every plane of a stack", description = "Otherwise only the current slice and frame.")
	private boolean all_planes;

	@Parameter(label = "Add ROIs to the ROI Manager", description = "Adds to the ROIs already there, never clears them.")
	private boolean add_rois = true;

	@Parameter(label = "Keep a timelapse of the alpha")
	private boolean timelapse;

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "A Stable Diffusion model in diffusers layout. " +
			ModelPreference.EMPTY_HELP)
	private File model;

	@Parameter(label = "Device", choices = { RunDevice.AUTO, RunDevice.CPU, RunDevice.GPU },
		description = RunDevice.DEVICE_HELP)
	private String device = RunDevice.AUTO;

	@Parameter(label = "Use the model's recommended settings", description = "When the model folder has a " +
		"diffseg.json (the shipped shapes model does), each setting left at the authors' default takes the model's " +
		"recommendation (representation, size, iterations, learning rate, gravity, guidance, threshold); settings " +
		"you changed stay. The authors' defaults are for Stable Diffusion 1.5; a small model needs others.")
	private boolean model_settings = true;

	@Parameter(visibility = ItemVisibility.MESSAGE, persist = false)
	private String advanced = "Advanced settings (the defaults are the authors')";

	@Parameter(label = "Weights type", choices = { RunDevice.FLOAT32, RunDevice.FLOAT16, RunDevice.BFLOAT16 })
	private String dtype = RunDevice.FLOAT32;

	@Parameter(label = "Learning rate", min = "0", stepSize = "0.000001", style = "format:0.0##E0")
	private double learning_rate = DEFAULTS.learningRate();

	@Parameter(label = "Gravity (alpha penalty)", min = "0", stepSize = "0.01")
	private double gravity = DEFAULTS.gravity();

	@Parameter(label = "Guidance scale", min = "0")
	private double guidance = DEFAULTS.guidance();

	@Parameter(label = "Lowest timestep", min = "0")
	private int min_timestep = DEFAULTS.minTimestep();

	@Parameter(label = "Highest timestep", min = "0")
	private int max_timestep = DEFAULTS.maxTimestep();

	@Parameter(label = "Composites per prompt and iteration", min = "1")
	private int batch = DEFAULTS.batchSize();

	@Parameter(label = "Sample the VAE posterior (off: its mean)")
	private boolean sample_latents = DEFAULTS.sampleLatents();

	@Parameter(label = "Bilateral blur: kernel size (odd)", min = "1")
	private int blur_kernel = DEFAULTS.bilateral().kernelSize();

	@Parameter(label = "Bilateral blur: sigma", min = "0")
	private double blur_sigma = DEFAULTS.bilateral().sigma();

	@Parameter(label = "Bilateral blur: colour tolerance", min = "0", stepSize = "0.01")
	private double blur_tolerance = DEFAULTS.bilateral().tolerance();

	@Parameter(label = "Bilateral blur: passes", min = "0")
	private int blur_passes = DEFAULTS.bilateral().iterations();

	@Parameter(label = "Timelapse: keep every k-th iteration", min = "1")
	private int timelapse_every = Math.max(1, DEFAULTS.timelapseEvery());

	@Parameter(type = ItemIO.OUTPUT, label = "Alpha")
	private ImagePlus alpha;

	@Parameter(type = ItemIO.OUTPUT, label = "Timelapse")
	private ImagePlus timelapse_maps;

	@Parameter(type = ItemIO.OUTPUT, label = "Masks")
	private ImagePlus masks;

	protected void initModel() {
		model = initialModel(model);
	}

	@Override
	public void run() {
		requireImage(image);
		List<String> promptList = PromptList.parse(prompts, "prompts");
		Path modelDir = ModelPreference.resolve(model, prefs, "model");
		PeekabooSettings peekaboo = settings(modelDir);
		SourceImage source = source(image, channels, all_planes);
		ImagePlus guideImage = guideImage(peekaboo);
		PeekabooSegmentSettings settings = new PeekabooSegmentSettings(modelDir, promptList, peekaboo, guideImage == null ? null : SourceImage.of(guideImage).withPlane(guideImage.getZ() - 1,
			guideImage.getT() - 1));
		PeekabooSegmentResult result = runTask("Peekaboo", RunDevice.choose(device, dtype), settings.model(),
			(models, progress) -> new PeekabooSegmentTask(models).run(source, settings, progress, progress.token()));
		if (result == null) return;
		PeekabooImages images = result.images();
		String name = uniqueName(image.getTitle() + " - " + String.join("; ", promptList));
		alpha = images.alpha("alpha - " + name);
		timelapse_maps = images.timelapse("timelapse - " + name);
		masks = images.masks("mask - " + name);
		if (add_rois) addToRoiManager(image, images.rois(image), masks);
	}

	/**
	 * "image - prompts", with "-2", "-3", ... when a window of this run's titles is open already, so that repeated runs
	 * give windows of distinct titles and the alpha, mask and timelapse of one run share their suffix.
	 */
	static String uniqueName(String name) {
		for (int k = 1;; k++) {
			String candidate = k == 1 ? name : name + "-" + k;
			boolean taken = false;
			for (String kind : new String[] { "alpha - ", "mask - ", "timelapse - " })
				taken |= WindowManager.getImage(kind + candidate) != null;
			if (!taken) return candidate;
		}
	}

	private PeekabooSettings settings(Path modelDir) {
		PeekabooSettings.Builder b = PeekabooSettings.builder().representation(representation).size(size).iterations(iterations)
			.learningRate((float) learning_rate).gravity((float) gravity).guidance((float) guidance)
			.minTimestep(min_timestep).maxTimestep(max_timestep).bilateral(new BilateralProxyBlur.Settings(blur_kernel,
				blur_sigma, blur_tolerance, blur_passes)).square(square).batchSize(batch).threshold((float) threshold)
			.sampleLatents(sample_latents).timelapseEvery(timelapse ? timelapse_every : 0).seed(seed);
		if (!model_settings) return b.build();
		try {
			return ModelRecommendations.leftAtDefault(b.build(), modelDir);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The guide image for "guided bilateral", or null for the other representations. */
	private ImagePlus guideImage(PeekabooSettings settings) {
		if (!settings.representation().equals("guided bilateral")) return null;
		if (guide == null || guide.isBlank()) throw new IllegalArgumentException("representation=[guided " +
			"bilateral] needs a guide image (e.g. a depth map): give the title of an open image in 'guide' " +
			"(guide=[its title]), or use 'fourier bilateral'.");
		ImagePlus g = WindowManager.getImage(guide.strip());
		if (g == null) throw new IllegalArgumentException("there is no open image titled \"" + guide + "\" to guide " +
			"the blur: open it first.");
		if (g.getWidth() != image.getWidth() || g.getHeight() != image.getHeight()) throw new IllegalArgumentException(
			"the guide image \"" + guide + "\" is " + g.getWidth() + "x" + g.getHeight() + " but the image is " +
				image.getWidth() + "x" + image.getHeight() + ": choose a guide of the same size.");
		return g;
	}
}
