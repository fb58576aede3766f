package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class SafeTensorsTest {
	@Test
	void readsFixtureHeader() throws Exception {
		try (SafeTensors st = SafeTensors.open(Path.of("models/tiny-sd-a/reference/vae.safetensors"))) {
			assertArrayEquals(new long[] { 1, 3, 64, 64 }, st.info("image").shape());
			assertEquals(SafeTensors.Dtype.F32, st.info("image").dtype());
			assertEquals(3 * 64 * 64, st.readFloats("image").length);
		}
	}

	@Test
	void halfConversion() {
		assertEquals(1.0f, SafeTensors.halfToFloat((short) 0x3c00));
		assertEquals(-2.0f, SafeTensors.halfToFloat((short) 0xc000));
		assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7bff));
		assertEquals(0x1p-24f, SafeTensors.halfToFloat((short) 0x0001));
		assertTrue(Float.isNaN(SafeTensors.halfToFloat((short) 0x7e00)));
	}
}
