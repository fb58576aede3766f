package org.diffseg.task;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.img.Hyperstack;
import org.diffseg.img.ImageInputs;
import org.diffseg.img.RgbPlanes;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;

/**
 * Peekaboo segment, the use case: every chosen plane of an image segmented for one or more prompts (an alpha map, a
 * mask and a ROI per prompt and plane), mapped back to the image's geometry and calibration.
 */
public final class PeekabooSegmentTask extends ModelTask {

	public PeekabooSegmentTask(ModelSource models) {
		super(models);
	}

	/**
	 * @throws DiffSegException for what the user can fix (no prompt, a missing or mis-sized guide, an unusable image)
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled: no result
	 */
	public PeekabooSegmentResult run(SourceImage image, PeekabooSegmentSettings settings, ProgressListener progress,
		CancelToken cancel) throws IOException
	{
		if (settings.prompts().isEmpty()) throw DiffSegException.setting("prompts", "no prompt given",
			"say what to segment");
		// read every input before loading the model: a bad image fails at once
		List<RgbPlanes> inputs = image.rgbPlanes();
		List<float[][]> guides = guides(image, settings);
		long start = System.nanoTime();
		StableDiffusion sd = stableDiffusion(settings.model(), cancel);
		long loaded = System.nanoTime();
		Peekaboo peekaboo = new Peekaboo(sd);
		List<Peekaboo.Segmentation> planes = new ArrayList<>();
		for (int k = 0; k < inputs.size(); k++) {
			String plane = image.describe(k);
			ProgressListener p = progress.prefixed(plane.isEmpty() ? "" : plane + ", ");
			Peekaboo.Segmentation r = peekaboo.segment(inputs.get(k), guides.get(k), settings.prompts(),
				settings.peekaboo(), p, cancel);
			checkFinite(r, plane.isEmpty() ? "" : " on " + plane);
			planes.add(r);
		}
		return new PeekabooSegmentResult(image, settings.prompts(), planes, sd.identity(), sd.device.toString(),
			peekaboo.compositeSize(settings.peekaboo()), loaded - start, System.nanoTime() - loaded);
	}

	/** Per plane, the guide's planes, or nulls without a guide. */
	private static List<float[][]> guides(SourceImage image, PeekabooSegmentSettings settings) {
		List<float[][]> guides = new ArrayList<>();
		SourceImage g = settings.guide();
		boolean guided = settings.peekaboo().representation().equals("guided bilateral");
		if (guided && g == null) throw DiffSegException.setting("guide", "the 'guided bilateral' representation needs " +
			"a guide image (e.g. a depth map)", "give one, or use 'fourier bilateral'");
		for (SourceImage.Plane p : image.planes()) {
			if (!guided) {
				guides.add(null);
				continue;
			}
			if (g.width() != image.width() || g.height() != image.height()) throw DiffSegException.setting("guide",
				"the guide image is " + g.width() + "x" + g.height() + " but the image is " + image.width() + "x" +
				image.height(), "give a guide of the same size");
			Hyperstack<?> gi = g.image();
			boolean same = gi.size(Hyperstack.Axis.Z) == image.image().size(Hyperstack.Axis.Z) &&
				gi.size(Hyperstack.Axis.TIME) == image.image().size(Hyperstack.Axis.TIME);
			guides.add(ImageInputs.planes(gi, same ? p.slice() : Math.max(0, g.slice()), same ? p.frame() :
				Math.max(0, g.frame())));
		}
		return guides;
	}

	/** A NaN alpha would silently give an empty mask: say so instead. */
	private static void checkFinite(Peekaboo.Segmentation result, String where) {
		for (int p = 0; p < result.alpha().length; p++)
			for (float v : result.alpha()[p])
				if (!Float.isFinite(v)) throw new IllegalStateException("Peekaboo's alpha for \"" + result.prompts().get(p) +
					"\"" + where + " is not a number (the optimisation diverged): run again with another seed, fewer " +
					"iterations or a lower learning rate, and report it if it persists.");
	}
}
