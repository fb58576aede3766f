package org.diffseg.fiji;

import java.io.File;

import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.task.RgbaGenerateResult;
import org.diffseg.task.RgbaGenerateSettings;
import org.diffseg.task.RgbaGenerateTask;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import ij.ImagePlus;

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
public class PeekabooGenerateRgba extends DiffSegCommand {

	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();

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
		initializer = "initModel", description = "A Stable Diffusion model in diffusers layout. " +
			ModelPreference.EMPTY_HELP)
	private File model;

	@Parameter(label = "Device", choices = { RunDevice.AUTO, RunDevice.CPU, RunDevice.GPU },
		description = RunDevice.DEVICE_HELP)
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
		model = initialModel(model);
	}

	@Override
	public void run() {
		if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("no prompt given: describe what " +
			"to generate in 'prompt', e.g. prompt=[a red apple].");
		String text = prompt.strip();
		RgbaGenerateSettings settings = new RgbaGenerateSettings(ModelPreference.resolve(model, prefs, "model"), text,
			DEFAULTS.toBuilder().iterations(iterations).size(size).seed(seed).timelapseEvery(timelapse ?
			timelapse_every : 0).build());
		RgbaGenerateResult result = runTask("Peekaboo RGBA", RunDevice.choose(device, dtype), settings.model(),
			(models, progress) -> new RgbaGenerateTask(models).run(settings, progress, progress.token()));
		if (result == null) return;
		timelapse_frames = result.timelapseOnCheckerboard("RGBA timelapse - " + text);
		rgba = result.composite("RGBA - " + text);
		checkerboard = result.checkerboard("RGBA on checkerboard - " + text);
	}
}
