package org.diffseg.gpu;

import java.util.ArrayList;
import java.util.List;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.diffseg.sd.NativeMemory;

/**
 * What DiffSeg runs on: Java, operating system, processors, heap, the deep-learning engine, CUDA and its GPUs, and the
 * device chosen with the reason (or why the requested device cannot be used). Printed by {@code diffseg system}.
 *
 * @param allocator the C allocator CPU tensors come from and the settings DiffSeg put in force
 * @param device the chosen device, null when the request cannot be met
 * @param deviceError why the request cannot be met, null when a device was chosen
 */
public record SystemReport(String javaVersion, String javaVendor, String javaVm, String os, int cores, long maxHeapBytes,
	EngineStatus engine, NativeMemory.Settings allocator, CudaStatus cuda, DeviceRequest request, DeviceChoice device, String deviceError)
{
	/** Looks at this machine; {@code request} is what the user asked for (see {@link DeviceRequest#resolve}). */
	public static SystemReport collect(DeviceRequest request) {
		EngineStatus engine = EngineStatus.probe();
		CudaStatus cuda = CudaStatus.probe();
		DeviceChoice device = null;
		String error = null;
		try {
			device = DeviceChoice.choose(request, engine, cuda);
		}
		catch (IllegalArgumentException e) {
			error = e.getMessage();
		}
		return new SystemReport(System.getProperty("java.version"), System.getProperty("java.vendor"),
			System.getProperty("java.vm.name"), System.getProperty("os.name") + " " + System.getProperty("os.version") +
				" (" + System.getProperty("os.arch") + ")", Runtime.getRuntime().availableProcessors(),
			Runtime.getRuntime().maxMemory(), engine, NativeMemory.settings(), cuda, request, device, error);
	}

	/** Human-readable, one fact per line. */
	public String toText() {
		List<String> lines = new ArrayList<>();
		lines.add("java:    " + javaVersion + " (" + javaVendor + ", " + javaVm + ")");
		lines.add("os:      " + os + ", " + cores + " processor" + (cores == 1 ? "" : "s"));
		lines.add("heap:    " + GpuInfo.gib(maxHeapBytes) + " max");
		if (engine.problem() != null) lines.add("engine:  DJL " + engine.djlVersion() + ", " + engine.problem());
		else {
			lines.add("engine:  DJL " + engine.djlVersion() + ", " + EngineStatus.ENGINE + " " + engine.version() + ", natives " +
				engine.flavour() + (engine.cudaBuilt() ? " (CUDA build, " + engine.gpuCount() + " GPU" +
					(engine.gpuCount() == 1 ? "" : "s") + " usable)" : " (CPU only)"));
			if (engine.libraryPath() != null) lines.add("natives: " + engine.libraryPath());
		}
		lines.add("malloc:  " + allocator);
		lines.add("driver:  " + (cuda.driverVersion() == null && cuda.driverCudaVersion() == null ? "none found" :
			(cuda.driverVersion() == null ? "" : cuda.driverVersion() + ", ") + "CUDA " + cuda.driverCudaVersion()));
		lines.add("cuda:    " + (cuda.runtimeVersion() == null ? "runtime not loaded" : "runtime " + cuda.runtimeVersion()));
		if (cuda.gpus().isEmpty()) lines.add("gpus:    none (" + cuda.problem() + ")");
		else for (GpuInfo g : cuda.gpus())
			lines.add("gpu:     " + g);
		for (String note : cuda.notes())
			lines.add("note:    " + note);
		lines.add("request: " + request + " (from " + DeviceRequest.describe(request.source()) + ")");
		lines.add(device != null ? "device:  " + device.deviceName() + " (" + device.reason() + ")" : "device:  none: " + deviceError);
		return String.join(System.lineSeparator(), lines);
	}

	private static JsonArray strings(List<String> values) {
		JsonArray out = new JsonArray();
		values.forEach(out::add);
		return out;
	}

	/** The same facts as JSON (bytes as numbers, absent values as null). */
	public String toJson() {
		JsonObject root = new JsonObject();
		JsonObject java = new JsonObject();
		java.addProperty("version", javaVersion);
		java.addProperty("vendor", javaVendor);
		java.addProperty("vm", javaVm);
		root.add("java", java);
		root.addProperty("os", os);
		root.addProperty("cores", cores);
		root.addProperty("maxHeapBytes", maxHeapBytes);
		JsonObject e = new JsonObject();
		e.addProperty("name", EngineStatus.ENGINE);
		e.addProperty("djlVersion", engine.djlVersion());
		e.addProperty("version", engine.version());
		e.addProperty("flavour", engine.flavour());
		e.addProperty("cudaBuilt", engine.cudaBuilt());
		e.addProperty("gpuCount", engine.gpuCount());
		e.addProperty("libraryPath", engine.libraryPath());
		e.addProperty("problem", engine.problem());
		root.add("engine", e);
		JsonObject a = new JsonObject();
		a.addProperty("allocator", allocator.allocator());
		a.addProperty("tuned", allocator.tuned());
		a.add("applied", strings(allocator.applied()));
		a.add("notes", strings(allocator.notes()));
		root.add("malloc", a);
		JsonObject c = new JsonObject();
		c.addProperty("driverVersion", cuda.driverVersion());
		c.addProperty("driverCudaVersion", cuda.driverCudaVersion());
		c.addProperty("runtimeVersion", cuda.runtimeVersion());
		JsonArray gpus = new JsonArray();
		for (GpuInfo g : cuda.gpus()) {
			JsonObject o = new JsonObject();
			o.addProperty("index", g.index());
			o.addProperty("name", g.name());
			o.addProperty("totalBytes", g.totalBytes());
			o.addProperty("freeBytes", g.freeBytes() < 0 ? null : g.freeBytes());
			o.addProperty("computeCapability", g.computeCapability());
			o.addProperty("pciBusId", g.pciBusId());
			gpus.add(o);
		}
		c.add("gpus", gpus);
		c.addProperty("problem", cuda.problem());
		c.add("notes", strings(cuda.notes()));
		root.add("cuda", c);
		JsonObject d = new JsonObject();
		d.addProperty("requested", request.toString());
		d.addProperty("requestedBy", request.source());
		d.addProperty("device", device == null ? null : device.deviceName());
		d.addProperty("reason", device == null ? null : device.reason());
		d.addProperty("error", deviceError);
		root.add("device", d);
		return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root);
	}
}
