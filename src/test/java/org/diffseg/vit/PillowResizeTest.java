package org.diffseg.vit;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class PillowResizeTest {

	/** A 1x4 row of 0, 0, 255, 255 halved and doubled; expected values from Pillow's Image.resize. */
	@Test
	void fixedPointWeightsOfKnownCases() {
		Uint8Image row = new Uint8Image(1, 4, 1, new byte[] { 0, 0, (byte) 255, (byte) 255 });
		// 4 -> 2 bilinear: the triangle widens to support 2 (antialiasing); output 0 has centre 1.0, taps 0..2 with
		// weights 0.75, 0.75, 0.25 before normalisation: 255 * 0.25 / 1.75 = 36.4 -> 36; output 1 mirrors it.
		Uint8Image half = PillowResize.resize(row, 1, 2, PillowResize.Filter.BILINEAR);
		assertEquals(36, half.get(0, 0, 0));
		assertEquals(219, half.get(0, 1, 0));
		// Bicubic upsampling overshoots at a hard edge; the result is clipped to 0..255.
		Uint8Image up = PillowResize.resize(row, 1, 8, PillowResize.Filter.BICUBIC);
		int[] values = new int[8];
		for (int i = 0; i < 8; i++) values[i] = up.get(0, i, 0);
		assertArrayEquals(new int[] { 0, 0, 0, 52, 203, 255, 255, 255 }, values);
	}

	@Test
	void sameSizeIsTheIdentity() {
		byte[] data = new byte[5 * 3 * 3];
		for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 37);
		Uint8Image img = new Uint8Image(5, 3, 3, data);
		assertArrayEquals(data, PillowResize.resize(img, 5, 3, PillowResize.Filter.BICUBIC).data());
	}
}
