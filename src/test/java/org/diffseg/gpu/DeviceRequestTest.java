package org.diffseg.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Function;

import org.diffseg.gpu.DeviceRequest.Kind;
import org.junit.jupiter.api.Test;

class DeviceRequestTest {

	private static Function<String, String> env(String value) {
		return value == null ? name -> null : Map.of(DeviceRequest.ENV, value)::get;
	}

	@Test
	void parsesEveryForm() {
		assertEquals(new DeviceRequest(Kind.AUTO, -1, "x"), DeviceRequest.parse("auto", "x"));
		assertEquals(new DeviceRequest(Kind.CPU, -1, "x"), DeviceRequest.parse(" CPU ", "x"));
		assertEquals(new DeviceRequest(Kind.GPU, -1, "x"), DeviceRequest.parse("gpu", "x"));
		assertEquals(new DeviceRequest(Kind.GPU, -1, "x"), DeviceRequest.parse("cuda", "x"));
		assertEquals(new DeviceRequest(Kind.GPU_INDEX, 3, "x"), DeviceRequest.parse("gpu:3", "x"));
		assertEquals(new DeviceRequest(Kind.GPU_INDEX, 0, "x"), DeviceRequest.parse("CUDA:0", "x"));
		assertEquals("gpu:3", DeviceRequest.parse("gpu:3", "x").toString());
		assertEquals("cpu", DeviceRequest.parse("cpu", "x").toString());
	}

	@Test
	void badDeviceTextsGiveAClearMessageNamingTheSource() {
		for (String bad : new String[] { "gpu:", "gpu:-1", "gpu1", "tpu", "gpu:a", "", "gpu:0:1", "mps" }) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> DeviceRequest.parse(bad, DeviceRequest.ENV));
			assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("DIFFSEG_DEVICE") &&
				e.getMessage().contains("gpu:N"), e.getMessage());
		}
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> DeviceRequest.resolve("gpu:x", null, env(null)));
		assertTrue(e.getMessage().contains("from the device setting"), e.getMessage());
		// a front-end names the setting in its own words (the command line: its option)
		e = assertThrows(IllegalArgumentException.class, () -> DeviceRequest.resolve("gpu:x", "--device", null,
			env(null)));
		assertTrue(e.getMessage().contains("from --device"), e.getMessage());
	}

	@Test
	void givenSettingBeatsEnvironmentBeatsPreferenceBeatsAuto() {
		assertEquals(new DeviceRequest(Kind.CPU, -1, DeviceRequest.SETTING),
			DeviceRequest.resolve("cpu", "gpu:1", env("gpu")));
		assertEquals(new DeviceRequest(Kind.CPU, -1, "--device"),
			DeviceRequest.resolve("cpu", "--device", "gpu:1", env("gpu")));
		assertEquals(new DeviceRequest(Kind.GPU, -1, DeviceRequest.ENV), DeviceRequest.resolve(null, "gpu:1", env("gpu")));
		assertEquals(new DeviceRequest(Kind.GPU_INDEX, 1, DeviceRequest.PREFERENCE),
			DeviceRequest.resolve(null, "gpu:1", env(null)));
		assertEquals(new DeviceRequest(Kind.AUTO, -1, DeviceRequest.DEFAULT), DeviceRequest.resolve(null, null, env(null)));
		// blank values count as absent
		assertEquals(new DeviceRequest(Kind.GPU_INDEX, 1, DeviceRequest.PREFERENCE),
			DeviceRequest.resolve(" ", "gpu:1", env("")));
		// a bad environment value is reported even when the preference is fine
		assertThrows(IllegalArgumentException.class, () -> DeviceRequest.resolve(null, "cpu", env("gpu:two")));
		// but a given setting hides it
		assertEquals(Kind.CPU, DeviceRequest.resolve("cpu", null, env("gpu:two")).kind());
	}
}
