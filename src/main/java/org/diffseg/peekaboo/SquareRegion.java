package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * How Peekaboo squares an image, and how results go back: "crop" analyses the centred square of side min(W, H) (the
 * rest of the result is 0); "scale" stretches the whole image to a square and back.
 *
 * @param x left of the analysed region in the original image
 * @param y top of the analysed region
 * @param width width of the analysed region
 * @param height height of the analysed region
 */
public record SquareRegion(String method, int x, int y, int width, int height, int imageWidth, int imageHeight) {

	public static SquareRegion of(String method, int imageWidth, int imageHeight) {
		if (method.equals("scale")) return new SquareRegion(method, 0, 0, imageWidth, imageHeight, imageWidth, imageHeight);
		int side = Math.min(imageWidth, imageHeight);
		return new SquareRegion(method, (imageWidth - side) / 2, (imageHeight - side) / 2, side, side, imageWidth,
			imageHeight);
	}

	/** The analysed region of {@code chw} [C, H, W], resized bilinearly to size x size: [C, size, size]. */
	public NDArray square(NDArray chw, int size) {
		NDArray region = chw.get(":, " + y + ":" + (y + height) + ", " + x + ":" + (x + width));
		return resize(region.expandDims(0), size, size).squeeze(0);
	}

	/** Maps a [P, s, s] map back to the original geometry: float planes of imageHeight x imageWidth, 0 outside. */
	public float[][] restore(NDArray maps) {
		long p = maps.getShape().get(0);
		float[] region = resize(maps.expandDims(0), height, width).squeeze(0).toFloatArray();
		float[][] out = new float[(int) p][imageWidth * imageHeight];
		for (int c = 0; c < p; c++)
			for (int yy = 0; yy < height; yy++)
				System.arraycopy(region, (c * height + yy) * width, out[c], (y + yy) * imageWidth + x, width);
		return out;
	}

	/**
	 * Resize of NCHW: area averaging along an axis that shrinks (no aliasing), bilinear (align_corners=False) along one
	 * that grows. When one axis shrinks and the other grows (a very wide image scaled to a square), the axes are
	 * resized one after the other, each with its own mode.
	 */
	static NDArray resize(NDArray nchw, long h, long w) {
		Shape s = nchw.getShape();
		long h0 = s.get(2), w0 = s.get(3);
		if (h0 == h && w0 == w) return nchw;
		boolean shrinks = h < h0 || w < w0, grows = h > h0 || w > w0;
		if (shrinks && grows) {
			try (NDArray first = h < h0 ? interpolate(nchw, h, w0, AREA) : interpolate(nchw, h0, w, AREA)) {
				return interpolate(first, h, w, BILINEAR);
			}
		}
		return interpolate(nchw, h, w, shrinks ? AREA : BILINEAR);
	}

	/** The Image.Interpolation ordinals that DJL's interpolation takes. */
	private static final int BILINEAR = 1, AREA = 2;

	private static NDArray interpolate(NDArray nchw, long h, long w, int mode) {
		return nchw.getNDArrayInternal().interpolation(new long[] { h, w }, mode, false);
	}
}
