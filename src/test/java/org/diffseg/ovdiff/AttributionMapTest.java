package org.diffseg.ovdiff;

import org.diffseg.sd.nn.TorchResize;
import org.diffseg.sd.nn.Resize;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;

public class AttributionMapTest extends TensorTest {
	/** Two tokens, two heads, a guided batch whose unconditional half must be ignored, plus a 1x1 (mid-block) layer. */
	@Test
	void tinyKnownExample() {
		int heads = 2, t = 5;
		// [batch 2 * heads, Q = 4 (2x2), 5 tokens]; tokens 1 and 3 are the class name
		float[] p = new float[2 * heads * 4 * t];
		set(p, 0, 0, 1, 1, 9f); // unconditional image: must not count
		set(p, 2, 0, 1, 0, 1f); // conditional head 0, token 1 at pixel 0
		set(p, 3, 0, 3, 3, 2f); // conditional head 1, token 3 at pixel 3
		set(p, 3, 0, 2, 2, 7f); // a token that is not the name's
		try (AttributionMap map = new AttributionMap(m, new int[] { 1, 3 }, true, 2)) {
			map.record("down_blocks.0.attentions.0.transformer_blocks.0.attn2", m.create(p, new Shape(4, 4, t)), null,
				heads, 2, 2);
			float[] mid = new float[2 * heads * t];
			java.util.Arrays.fill(mid, 0.3f); // a constant map adds a constant: no change after min-max
			map.record("mid_block.attentions.0.transformer_blocks.0.attn2", m.create(mid, new Shape(4, 1, t)), null,
				heads, 1, 1);
			assertEquals(2, map.layersRecorded());
			// sum over heads, tokens averaged: pixel 0 -> 1/2, pixel 3 -> 2/2, others 0 => min-max 0.5, 0, 0, 1
			assertArrayEquals(new float[] { 0.5f, 0, 0, 1 }, map.heatMaps(2, 2).get(0).values(), 1e-6f);
		}
	}

	private static void set(float[] p, int row, int ignored, int token, int pixel, float v) {
		p[(row * 4 + pixel) * 5 + token] = v;
	}

	/** Real attention probabilities of the tiny UNet (every attn2 layer), over two "steps", against a direct loop. */
	@Test
	void accumulationEqualsDirectComputationOnRecordedAttention() throws Exception {
		Path file = Path.of("models/tiny-sd-a/reference/cross_attention_probs.safetensors");
		int[] tokens = { 2, 5 };
		int size = 8, outH = 12, outW = 10, heads = 8;
		double[] direct = new double[size * size * 1];
		long headTotal = 0;
		try (SafeTensors st = SafeTensors.open(file); NDManager scope = m.newSubManager();
			AttributionMap map = new AttributionMap(scope, tokens, true, size))
		{
			List<String> layers = new ArrayList<>(st.tensors().keySet());
			assertEquals(16, layers.size());
			for (int step = 0; step < 2; step++) {
				for (String layer : layers) {
					long[] shape = st.info(layer).shape(); // [2 * heads, Q, 77]
					int q = (int) shape[1], side = (int) Math.round(Math.sqrt(q));
					float[] probs = st.readFloats(layer);
					float scale = step == 0 ? 1f : 0.5f + layer.length() % 3; // second step differs
					for (int i = 0; i < probs.length; i++) probs[i] *= scale;
					try (NDManager stepScope = scope.newSubManager()) {
						map.record(layer, stepScope.create(probs, new Shape(shape)), null, heads, side, side);
					}
					// direct: conditional image = batch row 1
					for (int tk : tokens) for (int h = 0; h < heads; h++) {
						double[] grid = new double[q];
						for (int i = 0; i < q; i++) grid[i] = probs[((heads + h) * q + i) * 77 + tk];
						double[] up = TorchResize.bicubic(grid, side, side, size, size);
						for (int i = 0; i < up.length; i++) direct[i] += Math.max(up[i], 0) / tokens.length;
					}
					headTotal += heads;
				}
			}
			for (int i = 0; i < direct.length; i++) direct[i] /= headTotal;
			double[] expected = TorchResize.bilinear(minMax(direct), size, size, outH, outW);
			expected = minMax(expected);
			assertEquals(32, map.layersRecorded());
			assertMax(expected, map.heatMaps(outH, outW).get(0).values(), 1e-5, "attribution map");
		}
	}

	private static double[] minMax(double[] a) {
		double lo = Double.MAX_VALUE, hi;
		for (double v : a) lo = Math.min(lo, v);
		double[] out = new double[a.length];
		hi = 0;
		for (int i = 0; i < a.length; i++) hi = Math.max(hi, out[i] = a[i] - lo);
		for (int i = 0; i < a.length; i++) out[i] /= Math.max(hi, 1e-6);
		return out;
	}

	public static void assertMax(double[] expected, float[] actual, double bound, String what) {
		assertEquals(expected.length, actual.length, what + ": length");
		double diff = 0, ref = 0;
		for (int i = 0; i < expected.length; i++) {
			diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
			ref = Math.max(ref, Math.abs(expected[i]));
		}
		assertTrue(diff <= bound * Math.max(ref, 1e-12), what + ": max|diff| " + diff + " > " + bound + " * " + ref);
	}

	@Test
	void tokenPositionsFindTheNameAndRefuseAMissingOne() {
		long[] prompt = { 49406, 320, 1125, 539, 320, 2368, 2368, 49407 };
		assertArrayEquals(new int[] { 5, 6 }, AttributionMap.tokenPositions(prompt, new long[] { 2368, 2368 }));
		assertArrayEquals(new int[] { 1 }, AttributionMap.tokenPositions(prompt, new long[] { 320 }));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> AttributionMap.tokenPositions(prompt, new long[] { 7 }));
		assertTrue(e.getMessage().contains("do not occur"));
	}

	@Test
	void refusesProbabilitiesThatDoNotFitTheGrid() {
		try (AttributionMap map = new AttributionMap(m, new int[] { 1 }, true)) {
			NDArray p = m.zeros(new Shape(16, 64, 77));
			assertThrows(IllegalArgumentException.class, () -> map.record("x.attn2", p, null, 8, 4, 4));
			assertThrows(IllegalStateException.class, () -> map.heatMaps(4, 4));
		}
	}
}
