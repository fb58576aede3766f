package org.diffseg.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.synth.Scene;
import org.diffseg.synth.SceneGenerator;
import org.diffseg.synth.SceneObject;
import org.junit.jupiter.api.Test;

class MetricsTest {

	private static boolean[] mask(String bits) {
		boolean[] m = new boolean[bits.length()];
		for (int i = 0; i < m.length; i++) m[i] = bits.charAt(i) == '1';
		return m;
	}

	@Test
	void iouAndDiceOfKnownMasks() {
		boolean[] t = mask("11110000"), p = mask("00111100");
		assertEquals(2.0 / 6, Metrics.iou(t, p), 1e-12);
		assertEquals(2.0 * 2 / 8, Metrics.dice(t, p), 1e-12);
		assertEquals(1, Metrics.iou(t, t));
		assertEquals(1, Metrics.dice(t, t));
		assertEquals(0, Metrics.iou(t, mask("00000000")));
		assertEquals(0, Metrics.dice(t, mask("00001111")));
		assertEquals(1, Metrics.iou(mask("0000"), mask("0000")), "nothing to find, nothing found");
		assertThrows(IllegalArgumentException.class, () -> Metrics.iou(t, mask("1")));
		assertEquals(0.5, Metrics.mean(new double[] { 0, 1 }));
		assertTrue(Double.isNaN(Metrics.mean(new double[0])));
	}

	@Test
	void wholeImageIouIsTheObjectsShareOfTheImage() {
		SceneGenerator g = new SceneGenerator(11);
		for (int i = 0; i < 10; i++) {
			Scene s = g.next();
			for (SceneObject o : s.objects()) {
				double share = o.area() / (double) (s.width() * s.height());
				assertEquals(share, Metrics.iou(o.mask(), Baselines.wholeImage(s.rgb().length)), 1e-12);
				assertEquals(2 * share / (1 + share), Metrics.dice(o.mask(), Baselines.wholeImage(s.rgb().length)), 1e-12);
			}
		}
	}

	@Test
	void colourBaselineFindsObjectsOfTheSyntheticWorld() {
		assertEquals("red", Baselines.colourWord("a red triangle"));
		assertEquals("white", Baselines.colourWord("A White ring"));
		assertNull(Baselines.colourWord("a cat"));
		assertEquals(0, Metrics.iou(mask("1"), Baselines.colourThreshold(new int[] { 0xFF0000 }, null, 100)));
		// pure palette colours are found, far colours are not
		int[] rgb = { 0xDC1E1E, 0x1EB428, 0x808080, 0xD02828 };
		assertArrayEquals(new boolean[] { true, false, false, true }, Baselines.colourThreshold(rgb, "red", 100));
		// on the world's scenes the colour threshold segments most objects well, but not all (backgrounds that share an
		// object's colour, objects that share a colour)
		SceneGenerator g = new SceneGenerator(12);
		List<Double> ious = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			Scene s = g.next();
			for (SceneObject o : s.objects())
				ious.add(Metrics.iou(o.mask(), Baselines.colourThreshold(s.rgb(), o.colour(), Baselines.DEFAULT_COLOUR_DISTANCE)));
		}
		double mean = ious.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
		long good = ious.stream().filter(v -> v > 0.8).count();
		assertTrue(mean > 0.6, "mean colour-baseline IoU " + mean);
		assertTrue(good > ious.size() / 2, good + " of " + ious.size() + " above 0.8");
		assertTrue(ious.stream().anyMatch(v -> v < 0.5), "some objects are hard for the colour baseline");
	}
}
