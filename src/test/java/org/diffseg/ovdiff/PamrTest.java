package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class PamrTest {

	/** PAMR written out pixel by pixel in doubles, borders by clamping the coordinates: the reference. */
	static double[][] plain(double[][] image, double[][] masks, int h, int w, int iterations, int[] dilations) {
		int c = image.length, p = 8 * dilations.length;
		double[][] affinity = new double[p][h * w];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
			int i = y * w + x;
			double[] logits = new double[p];
			for (int ch = 0; ch < c; ch++) {
				// unbiased deviation over the 9 values of every dilation's window
				double sum = 0, sq = 0;
				int n = 0;
				for (int d : dilations) for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
					double v = at(image[ch], h, w, y + dy * d, x + dx * d);
					sum += v;
					sq += v * v;
					n++;
				}
				double mean = sum / n, std = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
				int k = 0;
				for (int d : dilations) for (int[] o : Pamr.OFFSETS)
					logits[k++] += -Math.abs(image[ch][i] - at(image[ch], h, w, y + o[0] * d, x + o[1] * d)) /
						(1e-8 + 0.1 * std) / c;
			}
			double max = Double.NEGATIVE_INFINITY, z = 0;
			for (double l : logits) max = Math.max(max, l);
			for (double l : logits) z += Math.exp(l - max);
			for (int k = 0; k < p; k++) affinity[k][i] = Math.exp(logits[k] - max) / z;
		}
		double[][] current = masks;
		for (int it = 0; it < iterations; it++) {
			double[][] next = new double[masks.length][h * w];
			for (int m = 0; m < masks.length; m++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
				int k = 0;
				for (int d : dilations) for (int[] o : Pamr.OFFSETS)
					next[m][y * w + x] += affinity[k++][y * w + x] * at(current[m], h, w, y + o[0] * d, x + o[1] * d);
			}
			current = next;
		}
		return current;
	}

	private static double at(double[] plane, int h, int w, int y, int x) {
		return plane[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
	}

	private static float[] flat(double[][] planes) {
		float[] out = new float[planes.length * planes[0].length];
		for (int k = 0; k < planes.length; k++) for (int i = 0; i < planes[k].length; i++)
			out[k * planes[k].length + i] = (float) planes[k][i];
		return out;
	}

	@Test
	void equalsThePlainFormula() {
		int h = 11, w = 17, iterations = 3;
		int[] dilations = { 1, 2, 5 };
		Random r = new Random(4);
		double[][] image = new double[3][h * w], masks = new double[2][h * w];
		for (double[] plane : image) for (int i = 0; i < plane.length; i++) plane[i] = r.nextDouble();
		for (double[] plane : masks) for (int i = 0; i < plane.length; i++) plane[i] = r.nextDouble() * 2 - 1;
		float[] expected = flat(plain(image, masks, h, w, iterations, dilations));
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = m.create(flat(image), new Shape(3, h, w)), k = m.create(flat(masks), new Shape(2, h, w));
			float[] before = k.toFloatArray();
			float[] got = new Pamr(iterations, List.of(1, 2, 5)).refine(x, k).toFloatArray();
			assertArrayEquals(expected, got, 1e-5f);
			assertArrayEquals(before, k.toFloatArray(), "the input masks are not changed");
		}
	}

	@Test
	void aConstantMaskStaysAndANoisyPixelJoinsItsRegion() {
		int h = 24, w = 24;
		try (NDManager m = NDManager.newBaseManager()) {
			// left half dark, right half bright; the mask says "right" on the right half except one wrong pixel
			float[] img = new float[3 * h * w], mask = new float[h * w];
			for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
				img[(c * h + y) * w + x] = x < w / 2 ? 0.1f + 0.01f * ((x + y + c) % 3) : 0.9f - 0.01f * ((x * y + c) % 3);
			for (int y = 0; y < h; y++) for (int x = w / 2; x < w; x++) mask[y * w + x] = 1;
			mask[10 * w + 18] = 0; // wrong pixel inside the bright half
			mask[5 * w + 4] = 1; // wrong pixel inside the dark half
			NDArray image = m.create(img, new Shape(3, h, w));
			float[] out = new Pamr().refine(image, m.create(mask, new Shape(1, h, w))).toFloatArray();
			assertTrue(out[10 * w + 18] > 0.9f, "healed to " + out[10 * w + 18]);
			assertTrue(out[5 * w + 4] < 0.1f, "healed to " + out[5 * w + 4]);
			assertTrue(out[10 * w + 2] < 0.1f && out[10 * w + 21] > 0.9f, "the edge stays");
			float[] constant = new Pamr().refine(image, m.full(new Shape(2, h, w), 0.25f)).toFloatArray();
			for (float v : constant) assertEquals(0.25f, v, 1e-6f);
		}
	}

	@Test
	void refusesMasksOfAnotherSize() {
		try (NDManager m = NDManager.newBaseManager()) {
			assertThrows(IllegalArgumentException.class, () -> new Pamr().refine(m.zeros(new Shape(3, 8, 8)),
				m.zeros(new Shape(2, 8, 9))));
			assertThrows(IllegalArgumentException.class, () -> new Pamr(0, List.of(1)));
		}
	}
}
