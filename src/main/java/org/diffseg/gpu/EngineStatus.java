package org.diffseg.gpu;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;

/**
 * DJL's PyTorch engine as loaded in this JVM.
 *
 * @param version PyTorch version (null when the engine did not load)
 * @param djlVersion DJL version
 * @param flavour of the native library DJL loaded: "cpu", "cu124", ... ("cuda" when the CUDA version cannot be read
 *          from the library folder); null when the engine did not load
 * @param cudaBuilt whether those natives were built with CUDA
 * @param gpuCount GPUs DJL can use (0 for CPU-only natives, or when DJL finds no CUDA runtime)
 * @param libraryPath folder of the loaded libtorch
 * @param problem why the engine did not load (null when it did)
 */
public record EngineStatus(String version, String djlVersion, String flavour, boolean cudaBuilt, int gpuCount,
	String libraryPath, String problem)
{
	public static final String ENGINE = "PyTorch";

	private static final Pattern FLAVOUR = Pattern.compile("(?:^|-)(cpu|cu\\d{3,4})(?:-precxx11)?(?:-|$)");

	/** Loads the engine if needed (once per JVM) and describes it. Never throws. */
	public static EngineStatus probe() {
		return Holder.STATUS;
	}

	private static final class Holder {
		static final EngineStatus STATUS = load();
	}

	private static EngineStatus load() {
		org.diffseg.sd.NativeMemory.configure(); // before the engine's first tensor
		String djl = Engine.getDjlVersion();
		try {
			Engine engine = Engine.getEngine(ENGINE);
			boolean cuda = engine.hasCapability(StandardCapabilities.CUDA);
			String path = null;
			try {
				path = LibUtils.getLibtorchPath();
			}
			catch (RuntimeException e) { // only informative: the natives are loaded, their folder is unknown
				path = null;
			}
			return new EngineStatus(engine.getVersion(), djl, flavour(path, cuda), cuda, engine.getGpuCount(), path,
				null);
		}
		catch (Throwable t) { // missing natives or a failed download surface here as various errors
			String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
			return new EngineStatus(null, djl, null, false, 0, null, "the " + ENGINE + " engine did not load: " + msg);
		}
	}

	/**
	 * The flavour from DJL's cache folder name ({@code <version>-<flavour>-<classifier>}); for a folder given by
	 * PYTORCH_LIBRARY_PATH, "cuda" or "cpu" from whether libtorch_cuda is there, else from the engine's capability.
	 */
	static String flavour(String libraryPath, boolean cudaBuilt) {
		if (libraryPath != null) {
			Path dir = Path.of(libraryPath);
			Path name = dir.getFileName();
			if (name != null) {
				Matcher m = FLAVOUR.matcher(name.toString());
				if (m.find()) return m.group(1);
			}
			if (Files.exists(dir.resolve(System.mapLibraryName("torch_cuda")))) return "cuda";
		}
		return cudaBuilt ? "cuda" : "cpu";
	}
}
