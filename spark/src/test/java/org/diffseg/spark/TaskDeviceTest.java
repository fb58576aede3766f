package org.diffseg.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The device of a task: the GPU Spark's scheduling gave it, else --device (GPU scheduling cannot run in local mode). */
class TaskDeviceTest {

	@Test
	void aScheduledGpuIsTheTasksDevice() {
		assertEquals("gpu:3", TaskDevice.choose(Map.of("gpu", new String[] { "3" }), null));
		assertEquals("gpu:1", TaskDevice.choose(Map.of("gpu", new String[] { " 1", "2" }), null), "the first address");
		assertEquals("gpu:2", TaskDevice.choose(Map.of("gpu", new String[] { "2" }), "gpu"));
		assertEquals("gpu:2", TaskDevice.choose(Map.of("gpu", new String[] { "2" }), "gpu:2"));
	}

	@Test
	void withoutGpuSchedulingTheRequestStands() {
		assertNull(TaskDevice.choose(Map.of(), null), "automatic, as on the command line");
		assertNull(TaskDevice.choose(null, null));
		assertEquals("gpu:1", TaskDevice.choose(Map.of(), "gpu:1"));
		assertEquals("cpu", TaskDevice.choose(Map.of("gpu", new String[0]), "cpu"));
		assertEquals("cpu", TaskDevice.choose(Map.of("fpga", new String[] { "0" }), "cpu"));
	}

	@Test
	void theCpuCanBeAskedForEvenWithAGpu() {
		assertEquals("cpu", TaskDevice.choose(Map.of("gpu", new String[] { "0" }), "CPU"));
	}

	@Test
	void aConflictOrABadAddressIsOneClearMessage() {
		IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class, () -> TaskDevice.choose(
			Map.of("gpu", new String[] { "0" }), "gpu:1"));
		assertTrue(conflict.getMessage().contains("gpu:0") && conflict.getMessage().contains("leave --device out"),
			conflict.getMessage());
		IllegalArgumentException address = assertThrows(IllegalArgumentException.class, () -> TaskDevice.choose(
			Map.of("gpu", new String[] { "GPU-5f1c" }), null));
		assertTrue(address.getMessage().contains("discovery script"), address.getMessage());
	}
}
