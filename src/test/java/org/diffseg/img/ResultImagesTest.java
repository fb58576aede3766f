package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.measure.Calibration;
import ij.process.LUT;

class ResultImagesTest {

	private static Calibration calibration() {
		Calibration cal = new Calibration();
		cal.pixelWidth = 0.3;
		cal.pixelHeight = 0.7;
		cal.setUnit("mm");
		return cal;
	}

	private static void assertCalibrated(ImagePlus imp) {
		assertEquals(0.3, imp.getCalibration().pixelWidth);
		assertEquals(0.7, imp.getCalibration().pixelHeight);
		assertEquals("mm", imp.getCalibration().getUnit());
	}

	@Test
	void labelImageIs16BitWithGlasbeyLutAndBlackBackground() {
		int w = 7, h = 13;
		int[] labels = new int[w * h];
		for (int i = 0; i < labels.length; i++)
			labels[i] = i % 5 == 0 ? 0 : i % 300;
		labels[labels.length - 1] = 65535;
		ImagePlus imp = ResultImages.labelImage("labels", labels, w, h, calibration());
		assertEquals(ImagePlus.GRAY16, imp.getType());
		assertEquals(w, imp.getWidth());
		assertEquals(h, imp.getHeight());
		for (int i = 0; i < labels.length; i++)
			assertEquals(labels[i], imp.getProcessor().get(i % w, i / w));
		LUT lut = imp.getProcessor().getLut();
		assertEquals(0, lut.getRGB(0) & 0xffffff, "background is black");
		assertEquals(GlasbeyLut.colours()[7], lut.getRGB(7) & 0xffffff);
		assertEquals(0, imp.getDisplayRangeMin());
		assertEquals(255, imp.getDisplayRangeMax());
		// label 7 is displayed with table entry 7
		int seven = java.util.Arrays.stream(labels).boxed().toList().indexOf(7);
		assertEquals(GlasbeyLut.colours()[7], imp.getProcessor().convertToRGB().get(seven % w, seven / w) & 0xffffff);
		assertCalibrated(imp);
		assertThrows(IllegalArgumentException.class, () -> ResultImages.labelImage("x", new int[] { 65536 }, 1, 1, null));
		assertThrows(IllegalArgumentException.class, () -> ResultImages.labelImage("x", new int[] { -1 }, 1, 1, null));
		assertThrows(IllegalArgumentException.class, () -> ResultImages.labelImage("x", new int[6], 7, 1, null));
	}

	@Test
	void floatMapsAreALabelledStack() {
		float[] a = { 0, 0.5f, 1, 0.25f, 0.75f, 0.125f }, b = { -1, 2, 0, 0, 0, 0 };
		ImagePlus imp = ResultImages.floatMaps("alpha", List.of(a, b), List.of("cat", "dog"), 3, 2, calibration());
		assertEquals(ImagePlus.GRAY32, imp.getType());
		assertEquals(2, imp.getStackSize());
		assertEquals("cat", imp.getStack().getSliceLabel(1));
		assertEquals("dog", imp.getStack().getSliceLabel(2));
		assertEquals(0.75f, imp.getStack().getProcessor(1).getf(1, 1));
		assertEquals(2f, imp.getStack().getProcessor(2).getf(1, 0));
		assertEquals(-1, imp.getDisplayRangeMin());
		assertEquals(2, imp.getDisplayRangeMax());
		a[0] = 9;
		assertEquals(0f, imp.getStack().getProcessor(1).getf(0, 0), "the caller's array is not kept");
		assertCalibrated(imp);
		assertThrows(IllegalArgumentException.class,
			() -> ResultImages.floatMaps("x", List.of(a), List.of("a", "b"), 3, 2, null));
		assertThrows(IllegalArgumentException.class, () -> ResultImages.floatMaps("x", List.of(a), List.of("a"), 2, 2, null));
	}

	@Test
	void rgbaCompositeHasFourLabelledEightBitChannels() {
		int w = 5, h = 3;
		float[][] rgb = new float[3][w * h];
		float[] alpha = new float[w * h];
		for (int i = 0; i < w * h; i++) {
			rgb[0][i] = i / 14f;
			rgb[1][i] = 1 - i / 14f;
			rgb[2][i] = 0.5f;
			alpha[i] = i % 2;
		}
		rgb[0][0] = 1.5f; // clamped
		ImagePlus imp = ResultImages.rgbaComposite("rgba", rgb, alpha, w, h, calibration());
		CompositeImage ci = assertInstanceOf(CompositeImage.class, imp);
		assertEquals(4, ci.getNChannels());
		assertEquals(8, ci.getBitDepth());
		assertEquals("alpha", ci.getStack().getSliceLabel(4));
		assertEquals(255, ci.getStack().getProcessor(1).get(0, 0));
		assertEquals(Math.round(255 * 7 / 14f), ci.getStack().getProcessor(1).get(2, 1));
		assertEquals(128, ci.getStack().getProcessor(3).get(4, 2));
		assertEquals(255, ci.getStack().getProcessor(4).get(1, 0));
		assertEquals(0, ci.getStack().getProcessor(4).get(0, 0));
		assertEquals(0xff0000, ci.getChannelLut(1).getRGB(255) & 0xffffff);
		assertEquals(0x0000ff, ci.getChannelLut(3).getRGB(255) & 0xffffff);
		boolean[] active = ci.getActiveChannels();
		assertTrue(active[0] && active[1] && active[2]);
		assertFalse(active[3]);
		assertCalibrated(imp);
		rgb[0][3] = Float.NaN;
		assertThrows(IllegalArgumentException.class, () -> ResultImages.rgbaComposite("x", rgb, alpha, w, h, null));
	}

	@Test
	void rgbaOnCheckerboardBlendsWithLightAndDarkSquares() {
		int w = 40, h = 20;
		float[][] rgb = new float[3][w * h];
		float[] alpha = new float[w * h];
		java.util.Arrays.fill(rgb[0], 1); // pure red
		alpha[0] = 1; // (0,0) opaque
		alpha[1] = 0.5f; // (1,0) half
		// (16,0) and (0,0)+... transparent elsewhere
		ImagePlus imp = ResultImages.rgbaOnCheckerboard("flat", rgb, alpha, w, h, calibration());
		assertEquals(ImagePlus.COLOR_RGB, imp.getType());
		assertArrayEquals(new int[] { 255, 0, 0 }, imp.getProcessor().getPixel(0, 0, null));
		int light = 204, dark = 153;
		assertArrayEquals(new int[] { Math.round(127.5f + light / 2f), Math.round(light / 2f), Math.round(light / 2f) },
			imp.getProcessor().getPixel(1, 0, null));
		assertArrayEquals(new int[] { light, light, light }, imp.getProcessor().getPixel(5, 5, null));
		assertArrayEquals(new int[] { dark, dark, dark }, imp.getProcessor().getPixel(ResultImages.CHECKER_SIZE, 0, null));
		assertArrayEquals(new int[] { light, light, light },
			imp.getProcessor().getPixel(ResultImages.CHECKER_SIZE, ResultImages.CHECKER_SIZE, null));
		assertCalibrated(imp);
	}

	@Test
	void glasbeyColoursAreDistinctAndFarFromBlack() {
		int[] c = GlasbeyLut.colours();
		assertEquals(256, c.length);
		assertEquals(0, c[0]);
		Set<Integer> unique = new HashSet<>();
		for (int v : c)
			unique.add(v);
		assertEquals(256, unique.size());
		// the first 32 labels are far apart in CIELAB (a just-noticeable difference is about 2.3)
		double min = Double.MAX_VALUE;
		for (int i = 0; i < 32; i++)
			for (int j = i + 1; j < 32; j++)
				min = Math.min(min, distance(c[i], c[j]));
		assertTrue(min > 25, "min CIELAB distance among the first 32 colours: " + min);
		assertArrayEquals(c, GlasbeyLut.colours(), "deterministic");
		assertNotEquals(c[1], c[2]);
	}

	private static double distance(int a, int b) {
		double[] x = GlasbeyLut.lab(a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
		double[] y = GlasbeyLut.lab(b >> 16 & 0xff, b >> 8 & 0xff, b & 0xff);
		return Math.sqrt((x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]) + (x[2] - y[2]) * (x[2] - y[2]));
	}

	@Test
	void labLooksRight() {
		assertArrayEquals(new double[] { 0, 0, 0 }, GlasbeyLut.lab(0, 0, 0), 1e-6);
		assertArrayEquals(new double[] { 100, 0, 0 }, GlasbeyLut.lab(255, 255, 255), 1e-3);
		// sRGB red in CIELAB (D65): 53.24, 80.09, 67.20
		assertArrayEquals(new double[] { 53.24, 80.09, 67.20 }, GlasbeyLut.lab(255, 0, 0), 0.02);
	}
}
