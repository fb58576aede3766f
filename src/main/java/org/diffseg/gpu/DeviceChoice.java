package org.diffseg.gpu;

import java.util.List;

import ai.djl.Device;

/**
 * The device DiffSeg computes on, with the reason in words (shown by {@code diffseg system} and in logs).
 * {@link #choose(DeviceRequest, EngineStatus, CudaStatus)} is the whole policy and takes its inputs as values, so it is
 * tested without GPUs; {@link #choose(String, String)} feeds it this machine's state.
 */
public record DeviceChoice(Device device, String reason) {

	/**
	 * This machine's choice for a device setting (null when not given) and a stored preference (null when none), with
	 * {@value DeviceRequest#ENV} from the process environment.
	 *
	 * @throws IllegalArgumentException for a malformed device text, or a GPU request that cannot be met; the message
	 *           names the source and the fix
	 */
	public static DeviceChoice choose(String given, String preference) {
		return choose(given, DeviceRequest.SETTING, preference);
	}

	/**
	 * As {@link #choose(String, String)}, with the front-end's own word for the device setting ({@code givenAs}, e.g.
	 * its option's name) in the reason and in messages.
	 */
	public static DeviceChoice choose(String given, String givenAs, String preference) {
		DeviceRequest request = DeviceRequest.resolve(given, givenAs, preference, System::getenv);
		return choose(request, EngineStatus.probe(), request.kind() == DeviceRequest.Kind.CPU ?
			CudaStatus.unavailable("not asked: the CPU was requested") : CudaStatus.probe());
	}

	/** The policy: honour explicit requests (failing clearly when a GPU cannot be had), else the GPU with the most free memory, else the CPU. */
	public static DeviceChoice choose(DeviceRequest request, EngineStatus engine, CudaStatus cuda) {
		String asked = DeviceRequest.describe(request.source());
		if (request.kind() == DeviceRequest.Kind.CPU) return new DeviceChoice(Device.cpu(), "requested by " + asked);
		String whyNot = whyNoGpu(engine, cuda);
		switch (request.kind()) {
			case AUTO:
				if (whyNot != null) return new DeviceChoice(Device.cpu(), "automatic: no usable GPU, because " + whyNot);
				return mostFreeMemory(engine, cuda, "automatic");
			case GPU:
				if (whyNot != null) throw cannot(request, asked, whyNot);
				return mostFreeMemory(engine, cuda, "requested by " + asked);
			default:
				if (whyNot != null) throw cannot(request, asked, whyNot);
				int n = request.index();
				if (n >= engine.gpuCount())
					throw cannot(request, asked, "there " + (engine.gpuCount() == 1 ? "is 1 GPU (gpu:0)" : "are " +
						engine.gpuCount() + " GPUs (gpu:0 to gpu:" + (engine.gpuCount() - 1) + ")"));
				return new DeviceChoice(Device.gpu(n), "requested by " + asked + describeGpu(cuda, n));
		}
	}

	/** The device as DiffSeg's device text: "cpu" or "gpu:N". */
	public String deviceName() {
		return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
	}

	/** Why no GPU can be used, or null when DJL has at least one. */
	public static String whyNoGpu(EngineStatus engine, CudaStatus cuda) {
		if (engine.problem() != null) return engine.problem();
		if (!engine.cudaBuilt()) {
			String natives = "the PyTorch natives DJL loaded are CPU-only (flavour " + engine.flavour() + ")";
			if (!cuda.gpus().isEmpty())
				return natives + " although CUDA lists " + count(cuda.gpus()) +
					": put ai.djl.pytorch:pytorch-native-cu124 (classifier linux-x86_64) on the class path instead of " +
					"pytorch-native-cpu";
			return natives + " and " + (cuda.problem() == null ? "CUDA lists no GPU" : cuda.problem());
		}
		if (engine.gpuCount() > 0) return null;
		if (!cuda.gpus().isEmpty())
			return "DJL finds no GPU although CUDA lists " + count(cuda.gpus()) + ": DJL needs the CUDA runtime " +
				"library libcudart.so on the library path (install the CUDA 12 toolkit or add its lib folder to " +
				"LD_LIBRARY_PATH)";
		return "DJL finds no GPU: " + (cuda.problem() == null ? "CUDA lists no GPU" : cuda.problem());
	}

	private static DeviceChoice mostFreeMemory(EngineStatus engine, CudaStatus cuda, String why) {
		int best = 0;
		long bestFree = -1;
		for (GpuInfo g : cuda.gpus())
			if (g.index() < engine.gpuCount() && g.freeBytes() > bestFree) {
				best = g.index();
				bestFree = g.freeBytes();
			}
		String detail = engine.gpuCount() == 1 ? "the only GPU" : bestFree < 0 ? "the first of " + engine.gpuCount() +
			" GPUs (free memory unknown)" : "the most free memory of " + engine.gpuCount() + " GPUs";
		return new DeviceChoice(Device.gpu(best), why + ", " + detail + describeGpu(cuda, best));
	}

	private static String describeGpu(CudaStatus cuda, int index) {
		for (GpuInfo g : cuda.gpus())
			if (g.index() == index)
				return ": " + g.name() + ", " + GpuInfo.gib(g.freeBytes()) + " free of " + GpuInfo.gib(g.totalBytes());
		return "";
	}

	private static IllegalArgumentException cannot(DeviceRequest request, String asked, String why) {
		return new IllegalArgumentException("Cannot use " + request + " (requested by " + asked + "): " + why +
			". Use the device cpu or auto instead.");
	}

	private static String count(List<GpuInfo> gpus) {
		return gpus.size() == 1 ? "1 GPU" : gpus.size() + " GPUs";
	}
}
