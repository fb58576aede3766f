package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CancellationException;

import org.diffseg.img.ResultImages;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.sd.Progress;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;
import org.scijava.task.TaskService;

import ij.ImagePlus;
import ij.ImageStack;

/**
 * {@code Plugins > DiffSeg > Peekaboo Generate RGBA...}: generates an image with transparency from a prompt (Peekaboo,
 * paper §5): an RGB image and its alpha optimised together. Macro: {@code run("Peekaboo Generate RGBA...",
 * "prompt=[a red apple] ...")}.
 * <p>
 * Outputs, in this order (the last one is the current image afterwards): {@code timelapse_frames} (RGB frames over the
 * iterations on a checkerboard, only with {@code timelapse=true}), {@code rgba} (an 8-bit composite with the channels
 * R, G, B and alpha) and {@code checkerboard} (RGB, the image flattened over a checkerboard to show transparency).
 * Cancelling leaves no output.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>Peekaboo Generate RGBA...", headless = true)
public class PeekabooGenerateRgba extends ContextCommand {

	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();

	@Parameter
	private DiffSegModelService models;

	@Parameter(required = false)
	private PrefService prefs;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private TaskService tasks;

	@Parameter(label = "Prompt", description = "What to generate, e.g. 'a red apple'.")
	private String prompt = "";

	@Parameter(label = "Iterations", min = "1")
	private int iterations = DEFAULTS.iterations();

	@Parameter(label = "Size (pixels)", min = "8")
	private int size = DEFAULTS.size();

	@Parameter(label = "Seed", description = "The same seed on the same device gives the same result.")
	private long seed = DEFAULTS.seed();

	@Parameter(label = "Keep a timelapse")
	private boolean timelapse;

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "A Stable Diffusion model in diffusers layout. Empty: the one chosen " +
			"in Model Manager, else the model shipped with DiffSeg.")
	private File model;

	@Parameter(label = "Device", choices = { RunDevice.AUTO, RunDevice.CPU, RunDevice.GPU }, description = "auto: the " +
		"environment variable DIFFSEG_DEVICE when set, else the GPU with the most free memory, else the CPU.")
	private String device = RunDevice.AUTO;

	@Parameter(visibility = ItemVisibility.MESSAGE, persist = false)
	private String advanced = "Advanced settings (the defaults are the authors')";

	@Parameter(label = "Weights type", choices = { RunDevice.FLOAT32, RunDevice.FLOAT16, RunDevice.BFLOAT16 })
	private String dtype = RunDevice.FLOAT32;

	@Parameter(label = "Timelapse: keep every k-th iteration", min = "1")
	private int timelapse_every = Math.max(1, DEFAULTS.timelapseEvery());

	@Parameter(type = ItemIO.OUTPUT, label = "Timelapse")
	private ImagePlus timelapse_frames;

	@Parameter(type = ItemIO.OUTPUT, label = "RGBA")
	private ImagePlus rgba;

	@Parameter(type = ItemIO.OUTPUT, label = "RGBA on a checkerboard")
	private ImagePlus checkerboard;

	protected void initModel() {
		if (model == null) {
			Path folder = ModelPreference.defaultFolder(prefs);
			if (folder != null) model = folder.toFile();
		}
	}

	@Override
	public void run() {
		if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("no prompt given: describe what " +
			"to generate in 'prompt', e.g. prompt=[a red apple].");
		String text = prompt.strip();
		PeekabooSettings settings = DEFAULTS.withIterations(iterations).withSize(size).withSeed(seed)
			.withTimelapseEvery(timelapse ? timelapse_every : 0);
		Path folder = ModelPreference.resolve(model, prefs, "model");
		RunDevice run = RunDevice.choose(device, dtype);
		Peekaboo.Rgba result;
		try (RunLease lease = models.acquire(run.name());
			FijiProgress progress = FijiProgress.start(status, tasks, "Peekaboo RGBA", this))
		{
			if (status != null) status.showStatus("Peekaboo RGBA: loading the model " + folder.getFileName() + " on " +
				run.name() + "...");
			Peekaboo peekaboo = new Peekaboo(run.stableDiffusion(models, folder));
			// loading cannot stop half-way; a cancel pressed meanwhile takes effect now
			if (progress.isCanceled()) throw new CancellationException("cancelled while the model was loading.");
			Progress steps = progress.stage("iteration");
			result = peekaboo.generateRgba(text, settings, (i, n, loss, meanAlpha) -> steps.onStep(i, n));
		}
		catch (CancellationException e) {
			cancel(UserMessages.describe(e)); // no outputs
			return;
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		int s = result.size(), n = s * s;
		float[][] rgb = planes(result.rgb(), 3, n);
		timelapse_frames = timelapse(text, result, s);
		rgba = ResultImages.rgbaComposite("RGBA - " + text, rgb, result.alpha(), s, s, null);
		checkerboard = ResultImages.rgbaOnCheckerboard("RGBA on checkerboard - " + text, rgb, result.alpha(), s, s, null);
	}

	/** The frames flattened on the checkerboard, one slice per kept iteration; null without a timelapse. */
	private static ImagePlus timelapse(String text, Peekaboo.Rgba result, int s) {
		if (result.timelapse().isEmpty()) return null;
		int n = s * s;
		ImageStack stack = new ImageStack(s, s);
		for (int f = 0; f < result.timelapse().size(); f++) {
			float[][] frame = planes(result.timelapse().get(f), 4, n);
			ImagePlus flat = ResultImages.rgbaOnCheckerboard("frame", Arrays.copyOf(frame, 3), frame[3], s, s, null);
			stack.addSlice("iteration " + result.timelapseIterations()[f], flat.getProcessor());
		}
		ImagePlus imp = new ImagePlus("RGBA timelapse - " + text, stack);
		imp.setDimensions(1, 1, stack.getSize());
		return imp;
	}

	private static float[][] planes(float[] data, int count, int n) {
		float[][] planes = new float[count][];
		for (int c = 0; c < count; c++) planes[c] = Arrays.copyOfRange(data, c * n, (c + 1) * n);
		return planes;
	}
}
