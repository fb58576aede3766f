package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NormalisationTest {

	@Test
	void percentilesInterpolateLikeNumpy() {
		float[] sorted = { 0, 10, 20, 30, 40 };
		assertEquals(0, Normalisation.percentile(sorted, 0));
		assertEquals(40, Normalisation.percentile(sorted, 100));
		assertEquals(20, Normalisation.percentile(sorted, 50));
		// numpy.percentile([0,10,20,30,40], 0.1) = 0.04, 99.9 -> 39.96
		assertEquals(0.04, Normalisation.percentile(sorted, 0.1), 1e-9);
		assertEquals(39.96, Normalisation.percentile(sorted, 99.9), 1e-9);
		assertEquals(7, Normalisation.percentile(new float[] { 7 }, 99.9));
	}

	@Test
	void stretchesBetweenPercentilesAndClamps() {
		// 1000 values 0..999 plus one hot pixel: the 99.9th percentile ignores it
		float[] v = new float[1001];
		for (int i = 0; i < 1000; i++)
			v[i] = i;
		v[1000] = 1e6f;
		new Normalisation(0, 99.9).apply(v, "test");
		assertEquals(0, v[0]);
		assertEquals(1, v[1000]);
		assertEquals(999 / Normalisation.percentile(sortedCopy(1001), 99.9), v[999], 1e-6);
		for (float x : v)
			assertTrue(x >= 0 && x <= 1);
	}

	private static float[] sortedCopy(int n) {
		float[] v = new float[n];
		for (int i = 0; i < n - 1; i++)
			v[i] = i;
		v[n - 1] = 1e6f;
		return v;
	}

	@Test
	void constantPlanesMapToZeroWithoutNaN() {
		float[] v = { 5, 5, 5, 5 };
		Normalisation.DEFAULT.apply(v, "test");
		assertArrayEquals(new float[] { 0, 0, 0, 0 }, v);
		float[] empty = {};
		Normalisation.DEFAULT.apply(empty, "test");
	}

	@Test
	void coincidingPercentilesFallBackToMinMax() {
		// 10000 zeros and one bright pixel: both percentiles are 0, so min-max keeps the bright pixel visible
		float[] v = new float[10001];
		v[5000] = 300;
		Normalisation.DEFAULT.apply(v, "test");
		assertEquals(1, v[5000]);
		assertEquals(0, v[0]);
	}

	@Test
	void exact8BitDividesBy255() {
		float[] v = { 0, 1, 128, 255 };
		Normalisation.exact8Bit(v);
		assertArrayEquals(new float[] { 0, 1 / 255f, 128 / 255f, 1 }, v);
	}

	@Test
	void refusesNonFiniteValuesAndBadPercentiles() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Normalisation.DEFAULT.apply(new float[] { 1, Float.NaN }, "channel 1"));
		assertTrue(e.getMessage().contains("channel 1") && e.getMessage().contains("NaN"), e.getMessage());
		assertThrows(IllegalArgumentException.class,
			() -> Normalisation.DEFAULT.apply(new float[] { Float.POSITIVE_INFINITY }, "x"));
		assertThrows(IllegalArgumentException.class, () -> new Normalisation(50, 50));
		assertThrows(IllegalArgumentException.class, () -> new Normalisation(-1, 50));
		assertThrows(IllegalArgumentException.class, () -> new Normalisation(1, 101));
	}
}
