package org.diffseg.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;

/**
 * An 8-bit image as the Hugging Face image processors see it (a PIL image): rows of pixels, channels interleaved
 * (HWC), values 0..255 stored in bytes.
 */
public record Uint8Image(int height, int width, int channels, byte[] data) {

	public Uint8Image {
		if (height <= 0 || width <= 0 || channels <= 0) throw new IllegalArgumentException("image of " + height + "x" +
			width + "x" + channels + ": every dimension must be positive");
		if (data.length != (long) height * width * channels) throw new IllegalArgumentException("image of " + height +
			"x" + width + "x" + channels + " needs " + (long) height * width * channels + " bytes, got " + data.length);
	}

	/** Value 0..255 of channel {@code c} at row {@code y}, column {@code x}. */
	public int get(int y, int x, int c) {
		return data[(y * width + x) * channels + c] & 0xff;
	}

	/** From a uint8 (or any integer) [H, W, C] array. */
	public static Uint8Image of(NDArray hwc) {
		Shape s = hwc.getShape();
		if (s.dimension() != 3) throw new IllegalArgumentException("expected an [H, W, C] image, got shape " + s);
		byte[] bytes = hwc.toType(DataType.UINT8, false).toByteArray();
		return new Uint8Image((int) s.get(0), (int) s.get(1), (int) s.get(2), bytes);
	}

	/** As a uint8 [H, W, C] array. */
	public NDArray toNDArray(NDManager m) {
		ByteBuffer b = ByteBuffer.allocateDirect(data.length).put(data).flip();
		return m.create(b, new Shape(height, width, channels), DataType.UINT8);
	}

	/** float32 [1, C, H, W] in [0, 1]: x / 255 in float32, what OVDiff's feature extractors receive. */
	public NDArray toFloatNchw(NDManager m) {
		float[] out = new float[data.length];
		int plane = height * width;
		for (int i = 0; i < plane; i++)
			for (int c = 0; c < channels; c++) out[c * plane + i] = (data[i * channels + c] & 0xff) / 255f;
		return m.create(out, new Shape(1, channels, height, width));
	}

	/** PIL's convert("RGB"): grey is replicated, an alpha channel is dropped. */
	public Uint8Image toRgb() {
		if (channels == 3) return this;
		if (channels != 1 && channels != 4) throw new IllegalArgumentException("cannot convert an image with " +
			channels + " channels to RGB: give a grey (1), RGB (3) or RGBA (4) image");
		byte[] rgb = new byte[height * width * 3];
		for (int i = 0; i < height * width; i++)
			for (int c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + (channels == 1 ? 0 : c)];
		return new Uint8Image(height, width, 3, rgb);
	}
}
