package org.diffseg.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Random;

/**
 * Speed of the ViT feature extractors as OVDiff uses them: one square window (448 px in OVDiff) through the layers
 * up to OVDiff's key layer, dense keys out, at the weights' dtype and device. For {@code diffseg bench}.
 */
public final class VitBench {
	private VitBench() {}

	/** Median of 5 timed runs after one warm-up, in milliseconds per window. */
	public static double msPerWindow(VisionTransformer model, int size) {
		return msPerWindow(model, size, 5);
	}

	/** Median of {@code runs} timed runs after one warm-up, in milliseconds per {@code size} x {@code size} window. */
	public static double msPerWindow(VisionTransformer model, int size, int runs) {
		if (runs < 1) throw new IllegalArgumentException("runs must be at least 1");
		int c = model.config.channels();
		float[] pixels = new float[c * size * size];
		Random random = new Random(0);
		for (int i = 0; i < pixels.length; i++) pixels[i] = (float) random.nextGaussian();
		double[] ms = new double[runs];
		try (NDManager m = NDManager.newBaseManager(model.device())) {
			NDArray x = m.create(pixels, new Shape(1, c, size, size));
			for (int i = -1; i < runs; i++) {
				long t0 = System.nanoTime();
				try (NDArray keys = model.denseKeys(x, model.ovdiffKeyLayer()); NDArray sum = keys.sum()) {
					sum.getFloat(); // waits for an asynchronous device
				}
				if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
			}
		}
		Arrays.sort(ms);
		return runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
	}
}
