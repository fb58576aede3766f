package org.diffseg.task;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;

import java.util.Arrays;
import java.util.List;

import org.diffseg.img.ResultImages;
import org.diffseg.peekaboo.Peekaboo;

/** What {@link RgbaGenerateTask} made, with the images every front-end shows or saves. */
public record RgbaGenerateResult(Peekaboo.Rgba rgba, String modelIdentity, String device, int compositeSize,
	long loadNanos, long runNanos)
{
	/** The [r, g, b, a] planes of the result, each s·s. */
	public float[] rgbaPlanes() {
		int n = rgba.size() * rgba.size();
		float[] out = new float[4 * n];
		System.arraycopy(rgba.rgb(), 0, out, 0, 3 * n);
		System.arraycopy(rgba.alpha(), 0, out, 3 * n, n);
		return out;
	}

	/** 32-bit composite: channels red, green, blue, alpha in [0, 1]. */
	public ImagePlus channels(String title) {
		return channels(title, List.of(rgbaPlanes()));
	}

	/** The timelapse as a 32-bit composite (4 channels × kept iterations), or null without one. */
	public ImagePlus timelapseChannels(String title) {
		return rgba.timelapse().isEmpty() ? null : channels(title, rgba.timelapse());
	}

	/** An 8-bit composite R, G, B, alpha (for display). */
	public ImagePlus composite(String title) {
		int s = rgba.size();
		return ResultImages.rgbaComposite(title, planes(rgba.rgb(), 3), rgba.alpha(), s, s, null);
	}

	/** RGB: the image flattened over a checkerboard, to show transparency. */
	public ImagePlus checkerboard(String title) {
		int s = rgba.size();
		return ResultImages.rgbaOnCheckerboard(title, planes(rgba.rgb(), 3), rgba.alpha(), s, s, null);
	}

	/** The kept iterations flattened on the checkerboard, one frame each; null without a timelapse. */
	public ImagePlus timelapseOnCheckerboard(String title) {
		if (rgba.timelapse().isEmpty()) return null;
		int s = rgba.size();
		ImageStack stack = new ImageStack(s, s);
		for (int f = 0; f < rgba.timelapse().size(); f++) {
			float[][] frame = planes(rgba.timelapse().get(f), 4);
			ImagePlus flat = ResultImages.rgbaOnCheckerboard("frame", Arrays.copyOf(frame, 3), frame[3], s, s, null);
			stack.addSlice("iteration " + rgba.timelapseIterations()[f], flat.getProcessor());
		}
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(1, 1, stack.getSize());
		return imp;
	}

	private float[][] planes(float[] data, int count) {
		int n = rgba.size() * rgba.size();
		float[][] planes = new float[count][];
		for (int c = 0; c < count; c++) planes[c] = Arrays.copyOfRange(data, c * n, (c + 1) * n);
		return planes;
	}

	/** Frames of [r, g, b, a] planes as a 32-bit hyperstack: 4 channels (red, green, blue, alpha) x frames. */
	private ImagePlus channels(String title, List<float[]> frames) {
		int size = rgba.size();
		String[] names = { "red", "green", "blue", "alpha" };
		ImageStack stack = new ImageStack(size, size);
		for (float[] frame : frames) {
			float[][] planes = planes(frame, 4);
			for (int c = 0; c < 4; c++) stack.addSlice(names[c], new FloatProcessor(size, size, planes[c]));
		}
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(4, 1, frames.size());
		imp.setOpenAsHyperStack(true);
		CompositeImage composite = new CompositeImage(imp, CompositeImage.COMPOSITE);
		for (int c = 1; c <= 4; c++) {
			composite.setPosition(c, 1, 1);
			composite.setDisplayRange(0, 1);
		}
		composite.setPosition(1, 1, 1);
		return composite;
	}
}
