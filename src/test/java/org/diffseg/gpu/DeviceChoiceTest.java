package org.diffseg.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.Device;

/** The device policy on made-up machines: no GPU is needed to test it. */
class DeviceChoiceTest {

	private static final long GIB = 1L << 30;

	private static final EngineStatus CPU_NATIVES = new EngineStatus("2.5.1", "0.32.0", "cpu", false, 0, "/x", null);
	private static final EngineStatus CUDA_NATIVES_TWO_GPUS =
		new EngineStatus("2.5.1", "0.32.0", "cu124", true, 2, "/x", null);
	private static final CudaStatus NO_DRIVER = CudaStatus.unavailable("no NVIDIA driver was found (libcuda.so.1 is missing)");
	private static final CudaStatus TWO_GPUS = new CudaStatus("550.54", "12.4", "12.3", List.of(
		new GpuInfo(0, "NVIDIA A", 24 * GIB, 3 * GIB, "8.6", "0000:01:00"),
		new GpuInfo(1, "NVIDIA B", 48 * GIB, 40 * GIB, "8.9", "0000:02:00")), null, List.of());

	private static DeviceRequest request(String text) {
		return DeviceRequest.parse(text, DeviceRequest.SETTING);
	}

	@Test
	void cpuOnlyNativesGiveTheCpuWithAReason() {
		DeviceChoice c = DeviceChoice.choose(request("auto"), CPU_NATIVES, NO_DRIVER);
		assertEquals(Device.cpu(), c.device());
		assertEquals("cpu", c.deviceName());
		assertTrue(c.reason().contains("CPU-only") && c.reason().contains("no NVIDIA driver"), c.reason());
		// CPU natives on a GPU machine: the reason says what to install
		c = DeviceChoice.choose(request("auto"), CPU_NATIVES, TWO_GPUS);
		assertEquals(Device.cpu(), c.device());
		assertTrue(c.reason().contains("pytorch-native-cu124"), c.reason());
	}

	@Test
	void autoPicksTheGpuWithTheMostFreeMemory() {
		DeviceChoice c = DeviceChoice.choose(request("auto"), CUDA_NATIVES_TWO_GPUS, TWO_GPUS);
		assertEquals(Device.gpu(1), c.device());
		assertEquals("gpu:1", c.deviceName());
		assertTrue(c.reason().contains("NVIDIA B") && c.reason().contains("most free memory"), c.reason());
		assertEquals(Device.gpu(1), DeviceChoice.choose(request("gpu"), CUDA_NATIVES_TWO_GPUS, TWO_GPUS).device());
	}

	@Test
	void onlyGpusDjlCanUseAreCandidates() {
		// DJL sees one GPU (e.g. CUDA_VISIBLE_DEVICES differs for it): gpu:1 is not a candidate
		EngineStatus one = new EngineStatus("2.5.1", "0.32.0", "cu124", true, 1, "/x", null);
		assertEquals(Device.gpu(0), DeviceChoice.choose(request("auto"), one, TWO_GPUS).device());
	}

	@Test
	void unknownFreeMemoryFallsBackToTheFirstGpu() {
		CudaStatus unknown = new CudaStatus(null, "12.4", "12.3", List.of(
			new GpuInfo(0, "NVIDIA A", 24 * GIB, -1, "8.6", "0000:01:00"),
			new GpuInfo(1, "NVIDIA B", 48 * GIB, -1, "8.9", "0000:02:00")), null, List.of("free memory unknown"));
		DeviceChoice c = DeviceChoice.choose(request("auto"), CUDA_NATIVES_TWO_GPUS, unknown);
		assertEquals(Device.gpu(0), c.device());
		assertTrue(c.reason().contains("free memory unknown"), c.reason());
		// and when JavaCPP cannot see the GPUs at all, DJL's count is still trusted
		assertEquals(Device.gpu(0), DeviceChoice.choose(request("auto"), CUDA_NATIVES_TWO_GPUS,
			CudaStatus.unavailable("the CUDA 12 runtime library (libcudart.so.12) was not found")).device());
	}

	@Test
	void explicitRequestsAreHonouredOrRefusedClearly() {
		assertEquals(Device.cpu(), DeviceChoice.choose(request("cpu"), CUDA_NATIVES_TWO_GPUS, TWO_GPUS).device());
		DeviceChoice c = DeviceChoice.choose(request("gpu:0"), CUDA_NATIVES_TWO_GPUS, TWO_GPUS);
		assertEquals(Device.gpu(0), c.device());
		assertTrue(c.reason().contains("the device setting") && c.reason().contains("NVIDIA A"), c.reason());

		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> DeviceChoice.choose(request("gpu:2"), CUDA_NATIVES_TWO_GPUS, TWO_GPUS));
		assertTrue(e.getMessage().contains("gpu:2") && e.getMessage().contains("gpu:0 to gpu:1"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.choose(
			DeviceRequest.parse("gpu", DeviceRequest.ENV), CPU_NATIVES, NO_DRIVER));
		assertTrue(e.getMessage().contains("DIFFSEG_DEVICE") && e.getMessage().contains("CPU-only") &&
			e.getMessage().contains("cpu"), e.getMessage());
	}

	@Test
	void explainsWhyNoGpuForEachCause() {
		assertNull(DeviceChoice.whyNoGpu(CUDA_NATIVES_TWO_GPUS, TWO_GPUS));
		EngineStatus cudaNoGpu = new EngineStatus("2.5.1", "0.32.0", "cu124", true, 0, "/x", null);
		assertTrue(DeviceChoice.whyNoGpu(cudaNoGpu, TWO_GPUS).contains("libcudart.so"));
		assertTrue(DeviceChoice.whyNoGpu(cudaNoGpu, NO_DRIVER).contains("no NVIDIA driver"));
		EngineStatus broken = new EngineStatus(null, "0.32.0", null, false, 0, null, "the PyTorch engine did not load: x");
		assertTrue(DeviceChoice.whyNoGpu(broken, TWO_GPUS).contains("did not load"));
	}

	@Test
	void flavourComesFromTheNativeFolder() {
		assertEquals("cpu", EngineStatus.flavour("/home/u/.djl.ai/pytorch/2.5.1-20241113-cpu-linux-x86_64", false));
		assertEquals("cu124", EngineStatus.flavour("/home/u/.djl.ai/pytorch/2.5.1-cu124-linux-x86_64", true));
		assertEquals("cu121", EngineStatus.flavour("/c/2.1.1-cu121-precxx11-linux-x86_64", true));
		assertEquals("cuda", EngineStatus.flavour("/opt/libtorch/lib", true));
		assertEquals("cpu", EngineStatus.flavour(null, false));
	}

	@Test
	void linkageFailuresAreExplained() {
		UnsatisfiedLinkError driver = new UnsatisfiedLinkError("no jnicudart in java.library.path");
		driver.initCause(new UnsatisfiedLinkError("/x/libjnicudart.so: libcuda.so.1: cannot open shared object file"));
		assertTrue(CudaStatus.explain(driver).contains("no NVIDIA driver"));
		assertTrue(CudaStatus.explain(new UnsatisfiedLinkError("libcudart.so.12: cannot open shared object file"))
			.contains("CUDA 12 runtime"));
		assertTrue(CudaStatus.explain(new NoClassDefFoundError("org/bytedeco/cuda/global/cudart"))
			.contains("not on the class path"));
		assertTrue(CudaStatus.explain(new UnsatisfiedLinkError("something else")).contains("something else"));
	}
}
