package org.diffseg.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import ai.djl.Device;

/**
 * The report on the machine the tests run on. The build ships CPU-only PyTorch natives (pytorch-native-cpu), so the
 * device is the CPU everywhere and the reason says so; CUDA must fail cleanly where there is no driver.
 */
class SystemReportTest {

	@Test
	void thisMachineComputesOnTheCpuAndSaysWhy() {
		SystemReport r = SystemReport.collect(DeviceRequest.resolve(null, null, name -> null));
		assertNull(r.engine().problem());
		assertEquals("cpu", r.engine().flavour());
		assertFalse(r.engine().cudaBuilt());
		assertEquals(0, r.engine().gpuCount());
		assertNotNull(r.device());
		assertEquals(Device.cpu(), r.device().device());
		assertTrue(r.device().reason().contains("CPU-only"), r.device().reason());
		if (r.cuda().gpus().isEmpty()) assertNotNull(r.cuda().problem(), "no GPU listed, so a reason is given");
		assertTrue(r.cores() >= 1);
		assertTrue(r.maxHeapBytes() > 0);

		String text = r.toText();
		assertTrue(text.contains("PyTorch " + r.engine().version()), text);
		assertTrue(text.contains("device:  cpu"), text);

		JsonObject json = JsonParser.parseString(r.toJson()).getAsJsonObject();
		assertEquals("cpu", json.getAsJsonObject("device").get("device").getAsString());
		assertEquals("cpu", json.getAsJsonObject("engine").get("flavour").getAsString());
		assertEquals(r.cuda().gpus().size(), json.getAsJsonObject("cuda").getAsJsonArray("gpus").size());
		assertTrue(json.getAsJsonObject("device").get("error").isJsonNull());
	}

	@Test
	void probingCudaTwiceIsCleanAndGivesTheSameAnswer() {
		CudaStatus a = CudaStatus.probe(), b = CudaStatus.probe();
		assertEquals(a.problem(), b.problem());
		assertEquals(a.gpus().size(), b.gpus().size());
	}

	@Test
	void anUnmetGpuRequestIsReportedNotThrown() {
		SystemReport r = SystemReport.collect(DeviceRequest.parse("gpu", DeviceRequest.SETTING));
		assertNull(r.device());
		assertTrue(r.deviceError().contains("the device setting") && r.deviceError().contains("CPU-only"), r.deviceError());
		assertTrue(r.toText().contains("device:  none"), r.toText());
		JsonObject json = JsonParser.parseString(r.toJson()).getAsJsonObject();
		assertTrue(json.getAsJsonObject("device").get("device").isJsonNull());
	}
}
