package org.diffseg.gpu;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvml;
import org.bytedeco.cuda.nvml.nvmlDevice_st;
import org.bytedeco.cuda.nvml.nvmlMemory_t;
import org.bytedeco.cuda.nvml.nvmlPciInfo_t;
import org.bytedeco.javacpp.Loader;

/**
 * What CUDA reports through JavaCPP (org.bytedeco:cuda): driver and runtime versions and the GPUs with their memory.
 * Devices are listed by the CUDA runtime (so indices are the ones DJL uses, after {@code CUDA_VISIBLE_DEVICES});
 * free memory comes from NVML, which reads it without creating a CUDA context on every GPU.
 * <p>
 * Nothing here throws: without a driver or CUDA libraries (JavaCPP's first touch of its native library throws an
 * {@link UnsatisfiedLinkError}), {@link #problem} says why in words.
 *
 * @param driverVersion the NVIDIA driver, e.g. "550.54.15" (null when unknown)
 * @param driverCudaVersion the newest CUDA version the driver supports, e.g. "12.4" (null when unknown)
 * @param runtimeVersion the CUDA runtime JavaCPP loaded, e.g. "12.3" (null when unknown)
 * @param problem why no GPU is listed (null when at least one is)
 * @param notes lesser issues, e.g. free memory unknown
 */
public record CudaStatus(String driverVersion, String driverCudaVersion, String runtimeVersion, List<GpuInfo> gpus,
	String problem, List<String> notes)
{
	public CudaStatus {
		gpus = List.copyOf(gpus);
		notes = List.copyOf(notes);
	}

	/** A status with no GPU and the reason. */
	public static CudaStatus unavailable(String problem) {
		return new CudaStatus(null, null, null, List.of(), problem, List.of());
	}

	/** Asks CUDA now (free memory changes); fast when CUDA is absent (the load failure is remembered). */
	public static CudaStatus probe() {
		if (Runtime.LOAD_PROBLEM != null) return unavailable(Runtime.LOAD_PROBLEM);
		try {
			return Runtime.query();
		}
		catch (Throwable t) { // a driver fault must not take the caller down: report it instead
			return unavailable("querying CUDA failed: " + explain(t));
		}
	}

	/** Loads JavaCPP's CUDA runtime binding once and remembers why it failed. */
	private static final class Runtime {
		static final String LOAD_PROBLEM = load(cudart.class);

		static CudaStatus query() {
			int[] v = new int[1];
			String driverCuda = cudart.cudaDriverGetVersion(v) == cudart.cudaSuccess && v[0] > 0 ? version(v[0]) : null;
			String runtime = cudart.cudaRuntimeGetVersion(v) == cudart.cudaSuccess ? version(v[0]) : null;
			List<String> notes = new ArrayList<>();
			Nvml nvml = Nvml.read(notes);
			int rc = cudart.cudaGetDeviceCount(v);
			String problem = null;
			List<GpuInfo> gpus = new ArrayList<>();
			if (rc == cudart.cudaErrorNoDevice) problem = "the NVIDIA driver reports no CUDA GPU";
			else if (rc == cudart.cudaErrorInsufficientDriver)
				problem = "the NVIDIA driver (CUDA " + driverCuda + ") is older than the CUDA runtime (" + runtime +
					"): update the driver";
			else if (rc != cudart.cudaSuccess) problem = "CUDA cannot list GPUs: " + errorString(rc);
			else {
				for (int i = 0; i < v[0]; i++)
					try (cudaDeviceProp p = new cudaDeviceProp()) {
						int prc = cudart.cudaGetDeviceProperties(p, i);
						if (prc != cudart.cudaSuccess) {
							notes.add("gpu:" + i + ": " + errorString(prc));
							continue;
						}
						String bus = String.format(Locale.ROOT, "%04x:%02x:%02x", p.pciDomainID(), p.pciBusID(),
							p.pciDeviceID());
						long[] memory = nvml.memory.get(bus);
						gpus.add(new GpuInfo(i, p.name().getString().trim(), p.totalGlobalMem(),
							memory == null ? -1 : memory[1], p.major() + "." + p.minor(), bus));
					}
				if (gpus.isEmpty()) problem = "CUDA lists no usable GPU";
			}
			return new CudaStatus(nvml.driverVersion, driverCuda, runtime, gpus, problem, notes);
		}
	}

	/** The driver version and free memory per PCI address, from NVML (part of the driver). */
	private record Nvml(String driverVersion, Map<String, long[]> memory) {

		static Nvml read(List<String> notes) {
			String loadProblem = NvmlLoad.PROBLEM;
			if (loadProblem != null) {
				notes.add("free memory unknown: NVML did not load (" + loadProblem + ")");
				return new Nvml(null, Map.of());
			}
			int rc = nvml.nvmlInit_v2();
			if (rc != nvml.NVML_SUCCESS) {
				notes.add("free memory unknown: NVML did not start (" + nvml.nvmlErrorString(rc).getString() + ")");
				return new Nvml(null, Map.of());
			}
			try {
				byte[] text = new byte[96];
				String driver = nvml.nvmlSystemGetDriverVersion(text, text.length) == nvml.NVML_SUCCESS ? cString(text) :
					null;
				int[] count = new int[1];
				Map<String, long[]> memory = new HashMap<>();
				if (nvml.nvmlDeviceGetCount_v2(count) == nvml.NVML_SUCCESS)
					for (int i = 0; i < count[0]; i++)
						try (nvmlDevice_st device = new nvmlDevice_st(); nvmlPciInfo_t pci = new nvmlPciInfo_t();
							nvmlMemory_t mem = new nvmlMemory_t())
						{
							if (nvml.nvmlDeviceGetHandleByIndex_v2(i, device) != nvml.NVML_SUCCESS ||
								nvml.nvmlDeviceGetPciInfo_v3(device, pci) != nvml.NVML_SUCCESS ||
								nvml.nvmlDeviceGetMemoryInfo(device, mem) != nvml.NVML_SUCCESS) continue;
							memory.put(String.format(Locale.ROOT, "%04x:%02x:%02x", pci.domain(), pci.bus(), pci.device()),
								new long[] { mem.total(), mem._free() });
						}
				return new Nvml(driver, memory);
			}
			finally {
				nvml.nvmlShutdown();
			}
		}
	}

	private static final class NvmlLoad {
		static final String PROBLEM = load(nvml.class);
	}

	/** Loads a JavaCPP binding; null on success, else the reason in words. */
	private static String load(Class<?> binding) {
		try {
			Loader.load(binding);
			return null;
		}
		catch (Throwable t) { // UnsatisfiedLinkError without driver, NoClassDefFoundError without the jar
			return explain(t);
		}
	}

	/** A linkage failure in words: which library is missing and what that means. */
	static String explain(Throwable t) {
		StringBuilder all = new StringBuilder();
		String innermost = null;
		for (Throwable c = t; c != null; c = c.getCause()) {
			all.append(c).append('\n');
			if (c.getMessage() != null) innermost = c.getMessage();
		}
		String s = all.toString();
		if (s.contains("libcuda.so") || s.contains("nvcuda.dll"))
			return "no NVIDIA driver was found (libcuda.so.1 is missing)";
		if (s.contains("libnvidia-ml.so") || s.contains("nvml.dll"))
			return "no NVIDIA driver was found (libnvidia-ml.so.1 is missing)";
		if (s.contains("libcudart.so") || s.contains("cudart64"))
			return "the CUDA 12 runtime library (libcudart.so.12) was not found: install the CUDA 12 toolkit or add " +
				"its lib folder to LD_LIBRARY_PATH";
		if (t instanceof NoClassDefFoundError && s.contains("org/bytedeco"))
			return "JavaCPP CUDA (org.bytedeco:cuda) is not on the class path";
		return t.getClass().getSimpleName() + ": " + (innermost == null ? "no details" : innermost.trim());
	}

	private static String version(int v) {
		return v / 1000 + "." + v % 1000 / 10;
	}

	private static String errorString(int rc) {
		return cudart.cudaGetErrorString(rc).getString() + " (error " + rc + ")";
	}

	private static String cString(byte[] bytes) {
		int n = 0;
		while (n < bytes.length && bytes[n] != 0)
			n++;
		return new String(bytes, 0, n, StandardCharsets.US_ASCII);
	}
}
