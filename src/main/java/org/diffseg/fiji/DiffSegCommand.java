package org.diffseg.fiji;

import java.awt.GraphicsEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.diffseg.task.ModelSource;
import org.diffseg.task.OvDiffBuilder;
import org.diffseg.task.SourceImage;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.frame.RoiManager;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.prefs.PrefService;
import org.scijava.task.TaskService;

/**
 * What every DiffSeg command that runs a use case of {@code org.diffseg.task} shares: the services, and
 * {@link #runTask}: the device's lease, progress in the status bar and the task list, the models from the model
 * service, and a cancelled run left without outputs.
 */
abstract class DiffSegCommand extends ContextCommand {

	@Parameter
	DiffSegModelService models;

	@Parameter(required = false)
	PrefService prefs;

	@Parameter(required = false)
	StatusService status;

	@Parameter(required = false)
	TaskService tasks;

	@Parameter(required = false)
	LogService log;

	/** A model folder field's initial value: the one given, else the one used last (Model Manager), else null. */
	File initialModel(File given) {
		if (given != null) return given;
		Path folder = ModelPreference.defaultFolder(prefs);
		return folder == null ? null : folder.toFile();
	}

	/** A use case run with the models of the model service and Fiji's progress and cancel. */
	@FunctionalInterface
	interface Run<R> {
		R run(ModelSource models, FijiProgress progress) throws IOException;
	}

	/**
	 * Runs {@code task} on {@code device} under {@code title} ("Peekaboo", "OVDiff"...).
	 * @return its result, or null when it was cancelled (the command is then cancelled, with the reason)
	 */
	<R> R runTask(String title, RunDevice device, Path model, Run<R> task) {
		try (RunLease lease = models.acquire(device.name());
			FijiProgress progress = FijiProgress.start(status, tasks, title, this))
		{
			if (status != null) status.showStatus(title + ": loading the model " + model.getFileName() + " on " +
				device.name() + "...");
			return task.run(device.models(models), progress);
		}
		catch (CancellationException e) {
			cancel(UserMessages.describe(e)); // no outputs
			return null;
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * The optional CLIP and DINO folder fields of both OVDiff commands, given to their settings: empty is not used, a
	 * path that is no folder is refused with the model to get.
	 */
	static <B extends OvDiffBuilder<B>> B extractors(B settings, File clip, File dino) {
		return settings.clip(ModelPreference.optionalFolder(clip, "clip", "openai/clip-vit-base-patch16"))
			.dino(ModelPreference.optionalFolder(dino, "dino", "facebook/dino-vitb8"));
	}

	/** A segmenting command's first check: Fiji gives no image when none is open. */
	static void requireImage(ImagePlus image) {
		if (image == null) throw new IllegalArgumentException("there is no image open: open an image first.");
	}

	/**
	 * Adds a segmentation's ROIs of {@code image} to the ROI Manager's list (the window, or a batch-mode macro's hidden
	 * one), keeping what is there. Headless there is none: ImageJ's ROI Manager is a window, and the overlay of
	 * {@code overlaid} (an output) holds the ROIs then.
	 */
	void addToRoiManager(ImagePlus image, List<Roi> rois, ImagePlus overlaid) {
		if (rois.isEmpty()) return;
		if (GraphicsEnvironment.isHeadless()) {
			if (log != null) log.info("DiffSeg: headless there is no ROI Manager; the ROIs are the overlay of the image \"" +
				overlaid.getTitle() + "\".");
			return;
		}
		RoiManager manager = RoiManager.getInstance();
		if (manager == null) manager = RoiManager.getRoiManager();
		for (Roi roi : rois) manager.add(image, roi, -1);
	}

	/** What a segmenting command works on: the image's chosen channels, in every plane or in the current one. */
	static SourceImage source(ImagePlus image, String channels, boolean allPlanes) {
		SourceImage every = SourceImage.of(image).withChannels(channels(image, channels));
		return allPlanes ? every : every.withPlane(image.getZ() - 1, image.getT() - 1);
	}

	/** The {@code channels} field's channels, 0-based, or null for the automatic choice. */
	static int[] channels(ImagePlus image, String channels) {
		int available = image.getType() == ImagePlus.COLOR_RGB ? 3 : image.getNChannels();
		if (channels == null || channels.isBlank()) {
			if (available == 1 || available == 3) return null;
			throw new IllegalArgumentException("image '" + image.getTitle() + "' has " + available + " channels: choose " +
				"in 'channels' one (used as grey), e.g. channels=2, or three (used as R, G, B), e.g. channels=[1,2,3].");
		}
		String[] parts = channels.strip().split("\\s*[,;\\s]\\s*");
		int[] chosen = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				chosen[i] = Integer.parseInt(parts[i]) - 1;
			}
			catch (NumberFormatException e) {
				chosen[i] = -1;
			}
			if (chosen[i] < 0 || chosen[i] >= available) throw new IllegalArgumentException("channels=" + channels +
				": give channel numbers from 1 to " + available + ", one (used as grey) or three (used as R, G, B).");
		}
		if (chosen.length != 1 && chosen.length != 3) throw new IllegalArgumentException("channels=" + channels +
			": give one channel (used as grey) or three (used as R, G, B), not " + chosen.length + ".");
		return chosen;
	}
}
