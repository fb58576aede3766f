package org.diffseg.task;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.img.MaskRois;
import org.diffseg.peekaboo.Peekaboo.Segmentation;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

/**
 * Peekaboo's results on one or more planes of an image as ImageJ images, as every front-end shows or saves them: a 32-bit alpha stack, an 8-bit (0/255) mask
 * stack with the mask outlines as its overlay, a 32-bit timelapse, and polygon ROIs for the input image. Channels are
 * the prompts (each slice labelled with its prompt); Z and T are the input's when every plane was segmented. All keep
 * the input's calibration.
 *
 * @param prompts one channel each
 * @param planes the segmented planes of the input, time-major (all of Z for t = 0, then t = 1...)
 * @param results one per plane
 * @param depth Z of the outputs: the input's slices when every plane was segmented, else 1
 * @param frames T of the outputs
 */
public record PeekabooImages(List<String> prompts, List<SourceImage.Plane> planes, List<Segmentation> results,
	int width, int height, int depth, int frames, Calibration calibration)
{
	public PeekabooImages {
		if (planes.size() != results.size() || planes.size() != depth * frames) throw new IllegalArgumentException(
			planes.size() + " planes, " + results.size() + " results for " + depth + " slices x " + frames + " frames.");
	}

	public ImagePlus alpha(String title) {
		ImagePlus imp = arrange(new ImagePlus(title, stack((r, p) -> new FloatProcessor(width, height,
			r.alpha()[p].clone()))), depth, frames);
		imp.setDisplayRange(0, 1);
		return imp;
	}

	/** A slice per plane and prompt (prompts fastest), labelled with its prompt. */
	private ImageStack stack(java.util.function.BiFunction<Segmentation, Integer, ImageProcessor> slice) {
		ImageStack stack = new ImageStack(width, height);
		for (Segmentation r : results)
			for (int p = 0; p < prompts.size(); p++) stack.addSlice(prompts.get(p), slice.apply(r, p));
		return stack;
	}

	/** The masks, with the ROIs of their non-empty masks as overlay (so they survive headless, and in saved TIFFs). */
	public ImagePlus masks(String title) {
		ImagePlus imp = arrange(new ImagePlus(title, stack((r, p) -> new ByteProcessor(width, height,
			r.mask()[p].clone()))), depth, frames);
		Overlay overlay = new Overlay();
		for (int k = 0; k < planes.size(); k++)
			for (int p = 0; p < prompts.size(); p++) {
				Roi roi = roi(k, p);
				if (roi == null) continue;
				if (imp.isHyperStack()) roi.setPosition(p + 1, planes.get(k).slice() + 1, planes.get(k).frame() + 1);
				else if (imp.getStackSize() > 1) roi.setPosition(k * prompts.size() + p + 1);
				overlay.add(roi);
			}
		if (overlay.size() > 0) imp.setOverlay(overlay);
		return imp;
	}

	/** Null when the run kept no timelapse. */
	public ImagePlus timelapse(String title) {
		int steps = results.get(0).timelapse().size();
		if (steps == 0) return null;
		int[] iterations = results.get(0).timelapseIterations();
		ImageStack stack = new ImageStack(width, height);
		for (int f = 0; f < steps; f++)
			for (Segmentation r : results)
				for (int p = 0; p < prompts.size(); p++)
					stack.addSlice(prompts.get(p) + " @ iteration " + iterations[f], new FloatProcessor(width, height,
						r.timelapse().get(f)[p].clone()));
		ImagePlus imp = arrange(new ImagePlus(title, stack), results.size(), steps);
		imp.setDisplayRange(0, 1);
		// T counts iterations here, not time
		imp.getCalibration().frameInterval = 0;
		return imp;
	}

	/**
	 * The ROIs of the non-empty masks, named after their prompts, placed on the segmented planes of {@code input}
	 * (for the ROI Manager).
	 */
	public List<Roi> rois(ImagePlus input) {
		List<Roi> rois = new ArrayList<>();
		for (int k = 0; k < planes.size(); k++)
			for (int p = 0; p < prompts.size(); p++) {
				Roi roi = roi(k, p);
				if (roi == null) continue;
				SourceImage.Plane plane = planes.get(k);
				if (input.isHyperStack()) roi.setPosition(0, plane.slice() + 1, plane.frame() + 1);
				else if (input.getStackSize() > 1) roi.setPosition(input.getStackIndex(1, plane.slice() + 1, plane.frame() + 1));
				rois.add(roi);
			}
		return rois;
	}

	private Roi roi(int plane, int prompt) {
		return MaskRois.fromMask(results.get(plane).mask()[prompt], width, height, prompts.get(prompt));
	}

	/** Channels = prompts, then Z and T; a hyperstack when there is more than one plane. */
	private ImagePlus arrange(ImagePlus imp, int z, int t) {
		// a single image keeps its slice label as this property (what getInfo("slice.label") and saving read)
		if (imp.getStackSize() == 1) imp.setProp("Slice_Label", imp.getStack().getSliceLabel(1));
		imp.setDimensions(prompts.size(), z, t);
		if (z * t > 1) imp.setOpenAsHyperStack(true);
		if (calibration != null) imp.setCalibration(calibration.copy());
		return imp;
	}
}
