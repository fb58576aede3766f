package org.diffseg.task;

import java.util.List;

import org.diffseg.peekaboo.Peekaboo;

/**
 * What {@link PeekabooSegmentTask} found, per plane used (in {@link SourceImage#planes()} order), at the input's
 * geometry, with the images every front-end shows or saves ({@link #images()}).
 *
 * @param compositeSize the side of the composites given to the VAE
 */
public record PeekabooSegmentResult(SourceImage image, List<String> prompts, List<Peekaboo.Segmentation> planes,
	String modelIdentity, String device, int compositeSize, long loadNanos, long runNanos)
{
	public PeekabooSegmentResult {
		prompts = List.copyOf(prompts);
		planes = List.copyOf(planes);
	}

	public boolean severalPlanes() {
		return planes.size() > 1;
	}

	/** Alpha maps, masks, timelapse and ROIs as ImageJ images: channels = prompts, then the planes used. */
	public PeekabooImages images() {
		return new PeekabooImages(prompts, image.planes(), planes, image.width(), image.height(), image.resultSlices(),
			image.resultFrames(), image.calibration());
	}
}
