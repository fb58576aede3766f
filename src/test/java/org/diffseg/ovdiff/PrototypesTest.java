package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class PrototypesTest extends TensorTest {
	static final int C = 3, H = 4, W = 4;


	/** Feature of image i at grid pixel p: "red" parts are (1, 0, i/10), "green" (0, 1, i/10), the rest (0, 0, 1). */
	static float[] feature(int i, int p) {
		int y = p / W, x = p % W;
		if (y < 2 && x < 2) return new float[] { 1, 0, i / 10f };
		if (y < 2) return new float[] { 0, 1, i / 10f };
		return new float[] { 0, 0, 1 };
	}

	static NDArray featureMap(NDManager s, int i) {
		float[] f = new float[C * H * W];
		for (int p = 0; p < H * W; p++) for (int c = 0; c < C; c++) f[c * H * W + p] = feature(i, p)[c];
		return s.create(f, new Shape(C, H, W));
	}

	/** 8x8 masks: fg = the top half (rows 0-3 of 8 -> rows 0-1 of the 4x4 grid), bg = the bottom-right 2x2 pixel block. */
	static FgBgMasks masks(boolean emptyFg) {
		boolean[] fg = new boolean[64], bg = new boolean[64];
		for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) {
			fg[y * 8 + x] = !emptyFg && y < 4;
			bg[y * 8 + x] = y == 7 && x == 7; // one pixel: bilinear at the 4x4 grid still touches cell (3, 3)
		}
		return new FgBgMasks(8, 8, fg, bg);
	}

	@Test
	void classInstanceAndPartPrototypesFromHandMadeFeatures() {
		try (NDManager s = m.newSubManager()) {
			List<NDArray> features = new ArrayList<>();
			List<FgBgMasks> masks = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				features.add(featureMap(s, i));
				masks.add(masks(i == 1)); // image 1 has no foreground: skipped, background included
			}
			try (Prototypes p = Prototypes.compute(s, features, masks, 2, 0)) {
				Prototypes.Group fg = p.fg();
				// class + 2 instances (images 0 and 2) + 2 parts
				assertEquals(5, fg.size());
				assertEquals(new Prototypes.Origin(Prototypes.Kind.CLASS, -1, -1, 16), fg.origins().get(0));
				assertEquals(new Prototypes.Origin(Prototypes.Kind.INSTANCE, 0, -1, 8), fg.origins().get(1));
				assertEquals(new Prototypes.Origin(Prototypes.Kind.INSTANCE, 2, -1, 8), fg.origins().get(2));
				float[] v = fg.vectors().toFloatArray();
				assertArrayEquals(new float[] { 0.5f, 0.5f, 0.1f }, row(v, 0), 1e-6f); // mean over both images
				assertArrayEquals(new float[] { 0.5f, 0.5f, 0f }, row(v, 1), 1e-6f);
				assertArrayEquals(new float[] { 0.5f, 0.5f, 0.2f }, row(v, 2), 1e-6f);
				// parts: the red and the green pixels of both images
				float[] a = row(v, 3), b = row(v, 4);
				float[] red = { 1, 0, 0.1f }, green = { 0, 1, 0.1f };
				assertTrue(close(a, red) && close(b, green) || close(a, green) && close(b, red), "parts " +
					java.util.Arrays.toString(a) + java.util.Arrays.toString(b));
				assertEquals(8, fg.origins().get(3).pixels());
				// part labels: each fg pixel points at the part of its colour; skipped image and bg pixels at -1
				int[] labels = fg.partLabels().toIntArray();
				int redPart = close(a, red) ? 0 : 1;
				for (int i = 0; i < 3; i++) for (int q = 0; q < H * W; q++) {
					int expected = i == 1 || q / W >= 2 ? -1 : q % W < 2 ? redPart : 1 - redPart;
					assertEquals(expected, labels[i * H * W + q], "image " + i + " pixel " + q);
				}
				// background: only images 0 and 2 count, one grid pixel each; 2 pixels -> 2 parts at most
				Prototypes.Group bg = p.bg();
				assertEquals(1 + 2 + 2, bg.size());
				assertArrayEquals(new float[] { 0, 0, 1 }, row(bg.vectors().toFloatArray(), 0), 1e-6f);
				assertEquals(new Prototypes.Origin(Prototypes.Kind.INSTANCE, 2, -1, 1), bg.origins().get(2));
			}
		}
	}

	@Test
	void partsAreCappedByThePixelCountAndEmptyBackgroundGivesNoPrototypes() {
		try (NDManager s = m.newSubManager()) {
			boolean[] fg = new boolean[H * W], bg = new boolean[H * W];
			fg[0] = fg[5] = true; // two pixels of the same feature (1, 0, 0) and (0, 1, 0)
			try (Prototypes p = Prototypes.compute(s, List.of(featureMap(s, 0)), List.of(new FgBgMasks(H, W, fg, bg)), 32, 0)) {
				assertEquals(1 + 1 + 2, p.fg().size());
				assertEquals(0, p.bg().size());
				assertArrayEquals(new long[] { 0, C }, p.bg().vectors().getShape().getShape());
			}
		}
	}

	@Test
	void refusesASupportSetWithoutForeground() {
		try (NDManager s = m.newSubManager()) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> Prototypes.compute(s, List.of(featureMap(s, 0)), List.of(masks(true)), 32, 0));
			assertTrue(e.getMessage().contains("no support image has a foreground"), e.getMessage());
		}
	}

	static float[] row(float[] v, int r) {
		return java.util.Arrays.copyOfRange(v, r * C, (r + 1) * C);
	}

	static boolean close(float[] a, float[] b) {
		for (int i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-5) return false;
		return true;
	}
}
