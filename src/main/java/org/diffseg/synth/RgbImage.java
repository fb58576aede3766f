package org.diffseg.synth;

/** Pixels of an image file: packed {@code 0xRRGGBB}, row-major (grey images have R = G = B). */
public record RgbImage(int width, int height, int[] rgb) {

	public RgbImage {
		if (rgb.length != width * height) throw new IllegalArgumentException("rgb has " + rgb.length + " pixels, not " +
			width + "x" + height);
	}
}
