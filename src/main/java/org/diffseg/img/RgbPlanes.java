package org.diffseg.img;

import org.diffseg.run.DiffSegException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * An RGB image as three float planes in [0, 1] (channel-major, row-major: index c*H*W + y*W + x): the plain, ImageJ-free
 * form in which the engines take images.
 */
public record RgbPlanes(int width, int height, float[] data) {
	public RgbPlanes {
		if (width < 1 || height < 1) throw new IllegalArgumentException("the image is " + width + "x" + height +
			": it needs at least one pixel.");
		if (data.length != 3L * width * height) throw new IllegalArgumentException("expected " + 3L * width * height +
			" values for a " + width + "x" + height + " RGB image, got " + data.length);
		for (float v : data) if (!Float.isFinite(v)) throw DiffSegException.image("the image contains NaN or infinite " +
			"values", "replace them and try again", DiffSegException.REPLACE_NON_FINITE);
	}

	/** [3, H, W] float32 in {@code m}. */
	public NDArray toNDArray(NDManager m) {
		return m.create(data, new Shape(3, height, width));
	}

	public static RgbPlanes of(NDArray chw) {
		Shape s = chw.getShape();
		return new RgbPlanes((int) s.get(2), (int) s.get(1), chw.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
			.toFloatArray());
	}
}
