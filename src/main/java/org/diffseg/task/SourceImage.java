package org.diffseg.task;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import ij.ImagePlus;
import ij.measure.Calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.diffseg.img.Hyperstack;
import org.diffseg.img.ImageTensors;
import org.diffseg.img.RgbPlanes;
import org.diffseg.run.DiffSegException;

/**
 * The image a use case works on: every plane and channel of it, with its calibration, and which of them to use. A
 * slice or frame of -1 means every one along that axis, so the default ({@link #of}) is every plane of a stack; the
 * same rule serves the command line (all planes unless {@code --slice}/{@code --frame} is given) and Fiji (the current
 * plane unless every plane is asked for).
 *
 * @param slice the Z slice to use (0-based), or -1 for every one
 * @param frame the time frame to use (0-based), or -1 for every one
 * @param channels the channels to use (0-based): one, used as grey, or three, used as R, G, B; null for the obvious
 * choice (RGB, the only channel, the three channels)
 */
public record SourceImage(Hyperstack<?> image, int slice, int frame, int[] channels) {

	/** One plane of the image, 0-based. */
	public record Plane(int slice, int frame) {}

	public SourceImage {
		if (image == null) throw new DiffSegException(DiffSegException.Kind.INPUT, "there is no image",
			"open an image first");
		check("slice", slice, image.size(Hyperstack.Axis.Z));
		check("frame", frame, image.size(Hyperstack.Axis.TIME));
		channels = channels == null ? null : channels.clone();
	}

	private static void check(String axis, int index, int size) {
		if (index < -1 || index >= size) throw DiffSegException.setting(axis, "the image has " + size + " " + axis +
			(size == 1 ? "" : "s") + ", so there is no " + axis + " " + (index + 1), "choose one from 1 to " + size);
	}

	/** Every plane of an image, channels chosen as usual. */
	public static SourceImage of(ImagePlus imp) {
		return new SourceImage(wrap(imp), -1, -1, null);
	}

	/** The image without copying its pixels. */
	public static Hyperstack<?> wrap(ImagePlus imp) {
		if (imp == null) throw new DiffSegException(DiffSegException.Kind.INPUT, "there is no image",
			"open an image first");
		return Hyperstack.wrap(imp);
	}

	public SourceImage withPlane(int slice, int frame) {
		return new SourceImage(image, slice, frame, channels);
	}

	public SourceImage withChannels(int[] chosen) {
		return new SourceImage(image, slice, frame, chosen);
	}

	@Override
	public int[] channels() {
		return channels == null ? null : channels.clone();
	}

	public Calibration calibration() {
		return image.calibration();
	}

	public int width() {
		return image.width();
	}

	public int height() {
		return image.height();
	}

	/** The planes to use, time frame by time frame, slices within a frame (ImageJ's stack order). */
	public List<Plane> planes() {
		List<Plane> planes = new ArrayList<>();
		for (int t = 0; t < image.size(Hyperstack.Axis.TIME); t++) {
			if (frame >= 0 && t != frame) continue;
			for (int z = 0; z < image.size(Hyperstack.Axis.Z); z++) if (slice < 0 || z == slice) planes.add(new Plane(z, t));
		}
		return planes;
	}

	/** Slices of the results: the image's when every slice is used, else 1. */
	public int resultSlices() {
		return slice < 0 ? image.size(Hyperstack.Axis.Z) : 1;
	}

	/** Frames of the results: the image's when every frame is used, else 1. */
	public int resultFrames() {
		return frame < 0 ? image.size(Hyperstack.Axis.TIME) : 1;
	}

	/** The RGB input of one plane (see {@link ImageTensors#rgbInput}). */
	public RgbPlanes rgb(Plane p) {
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			return RgbPlanes.of(ImageTensors.rgbInput(m, image, channels, p.slice(), p.frame(), null).squeeze(0));
		}
	}

	/** The RGB inputs of every plane used, read before any model loads so that an unusable image fails at once. */
	public List<RgbPlanes> rgbPlanes() {
		List<RgbPlanes> out = new ArrayList<>();
		for (Plane p : planes()) out.add(rgb(p));
		return out;
	}

	/** "plane 2/6 (slice 2, frame 1)" for messages, or "" when one plane is used. */
	public String describe(int k) {
		List<Plane> planes = planes();
		if (planes.size() == 1) return "";
		Plane p = planes.get(k);
		return "plane " + (k + 1) + "/" + planes.size() + " (slice " + (p.slice() + 1) + ", frame " + (p.frame() + 1) +
			")";
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof SourceImage s && s.image.equals(image) && s.slice == slice && s.frame == frame &&
			Arrays.equals(s.channels, channels);
	}

	@Override
	public int hashCode() {
		return 31 * (31 * (31 * image.hashCode() + slice) + frame) + Arrays.hashCode(channels);
	}

	@Override
	public String toString() {
		return "SourceImage[" + image.title() + ", slice " + slice + ", frame " + frame + ", channels " +
			Arrays.toString(channels) + "]";
	}
}
