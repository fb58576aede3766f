package org.diffseg.peekaboo;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Gaussian Fourier features of a uv grid (Tancik et al., "Fourier Features Let Networks Learn High
 * Frequency Functions"), the fixed input of Peekaboo's neural textures: random frequencies B ~ N(0, scale²)
 * of shape [2, F], features [sin(2π uv·B), cos(2π uv·B)] per pixel.
 */
final class GaussianFourierFeatures {
	private GaussianFourierFeatures() {
	}

	/**
	 * The uv grid as [H * W, 2], pixel-major: u = column / width, v = row / height, both in [0, 1) so the
	 * texture does not wrap around.
	 */
	static float[] uvGrid(long height, long width) {
		float[] uv = new float[Math.toIntExact(2 * height * width)];
		for (int row = 0; row < height; row++)
			for (int col = 0; col < width; col++) {
				int pixel = Math.toIntExact(row * width + col);
				uv[2 * pixel] = (float) (col / (double) width);
				uv[2 * pixel + 1] = (float) (row / (double) height);
			}
		return uv;
	}

	/**
	 * Draws the frequencies from {@code random} and returns the features as [1, 2F, H, W] (sines first),
	 * attached to {@code manager}. They are constants: no gradient.
	 */
	static NDArray encode(NDManager manager, long height, long width, int numFeatures, double scale,
			SplittableRandom random) {
		float[] frequencies = ParameterInit.gaussian(random, 2 * numFeatures, scale);
		try (NDManager temp = manager.newSubManager()) {
			NDArray uv = temp.create(uvGrid(height, width), new Shape(height * width, 2));
			NDArray b = temp.create(frequencies, new Shape(2, numFeatures));
			NDArray phase = uv.matMul(b).mul((float) (2 * Math.PI));
			NDArray features = phase.sin().concat(phase.cos(), 1).transpose(1, 0).reshape(1, 2L * numFeatures, height,
					width);
			// A contiguous copy, so the per-iteration 1x1 convolutions read it without strides.
			NDArray result = features.duplicate();
			result.attach(manager);
			return result;
		}
	}
}
