package org.diffseg.img;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import ij.ImagePlus;

/** From an ImagePlus (any type, stacks, hyperstacks) to the engines' {@link RgbPlanes}. */
public final class ImageInputs {
	private ImageInputs() {}

	/**
	 * The RGB input of one plane: {@code channels} (0-based, null = the obvious choice), {@code slice} and
	 * {@code frame} 0-based. 8-bit and RGB are divided by 255 exactly; 16/32-bit are stretched between robust
	 * percentiles. The ImagePlus is not modified.
	 */
	public static RgbPlanes rgb(ImagePlus imp, int[] channels, int slice, int frame) {
		if (imp == null) throw new IllegalArgumentException("no image: open an image first.");
		try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
			NDArray t = ImageTensors.rgbInput(m, Hyperstack.wrap(imp), channels, slice, frame, null);
			return RgbPlanes.of(t.squeeze(0));
		}
	}

	/** All channels of one plane as [0, 1] float planes (a guide image, e.g. a depth map). */
	public static float[][] planes(ImagePlus imp, int slice, int frame) {
		return planes(Hyperstack.wrap(imp), slice, frame);
	}

	/** All channels of one plane as [0, 1] float planes (a guide image, e.g. a depth map). */
	public static float[][] planes(Hyperstack<?> img, int slice, int frame) {
		boolean rgb = img.type() instanceof net.imglib2.type.numeric.ARGBType;
		int c = img.size(Hyperstack.Axis.CHANNEL);
		if (rgb) c = 3;
		int[] all = new int[Math.max(c, 1)];
		for (int i = 0; i < all.length; i++) all[i] = i;
		try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
			if (rgb || all.length == 1 || all.length == 3)
				return ImageTensors.planes(ImageTensors.rgbInput(m, img, all.length == 1 ? all : new int[] { 0, 1, 2 },
					slice, frame, null));
			float[][] out = new float[all.length][];
			for (int i = 0; i < all.length; i++)
				out[i] = ImageTensors.planes(ImageTensors.rgbInput(m, img, new int[] { i }, slice, frame, null))[0];
			return out;
		}
	}
}
