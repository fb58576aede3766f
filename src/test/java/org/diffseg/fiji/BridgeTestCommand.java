package org.diffseg.fiji;

import java.io.File;
import java.util.concurrent.CancellationException;

import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.task.TaskService;

import ij.ImagePlus;
import ij.process.ImageProcessor;

/**
 * A test-only command shaped like the engine commands: an image in, an image and a summary out, a few parameter
 * types, progress with cancellation. It exercises the macro bridge without a model.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>Bridge Test...", headless = true)
public class BridgeTestCommand extends ContextCommand {

	@Parameter
	private StatusService status;

	@Parameter(required = false)
	private TaskService tasks;

	@Parameter
	private ImagePlus image;

	@Parameter(min = "1", max = "20")
	private int iterations = 3;

	@Parameter
	private float gain = 2f;

	/** True by default, so a test can see that a key left out keeps its default. */
	@Parameter
	private boolean invert = true;

	@Parameter(choices = { "crop", "scale" })
	private String mode = "crop";

	@Parameter(required = false, style = "directory")
	private File folder;

	/** Non-empty: fail with this message, as an engine rejecting its input would. */
	@Parameter(required = false)
	private String fail_with = "";

	/** Non-zero: cancel at this iteration, as Fiji's cancel button would from another thread. */
	@Parameter
	private int cancel_at;

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus result;

	@Parameter(type = ItemIO.OUTPUT)
	private String summary;

	@Override
	public void run() {
		if (!fail_with.isEmpty()) throw new IllegalArgumentException(fail_with);
		try (FijiProgress progress = FijiProgress.start(status, tasks, "Bridge Test", this)) {
			for (int i = 1; i <= iterations; i++) {
				if (i == cancel_at) cancel("cancelled at iteration " + i);
				progress.token().check();
				progress.progress("iteration", i, iterations);
			}
		}
		catch (CancellationException e) {
			return; // cancelled: no outputs
		}
		ImageProcessor ip = image.getProcessor().convertToFloat();
		ip.multiply(gain);
		if (invert) ip.multiply(-1);
		result = new ImagePlus(image.getTitle() + "-" + mode, ip);
		summary = "iterations=" + iterations + " gain=" + gain + " invert=" + invert + " mode=" + mode + " folder=" +
			folder;
	}
}
