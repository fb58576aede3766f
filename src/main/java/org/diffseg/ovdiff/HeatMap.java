package org.diffseg.ovdiff;

/**
 * An attribution heat map of one support image: how strongly each pixel attended to the class name while the image
 * was generated, min-max normalised to [0, 1]. Row-major, {@code values[y * width + x]}.
 */
public record HeatMap(int height, int width, float[] values) {
	public HeatMap {
		if (height <= 0 || width <= 0) throw new IllegalArgumentException("a heat map needs a positive size, not " +
			height + "x" + width);
		if (values.length != (long) height * width) throw new IllegalArgumentException("a " + height + "x" + width +
			" heat map needs " + (long) height * width + " values, not " + values.length);
	}

	public float at(int y, int x) {
		return values[y * width + x];
	}
}
