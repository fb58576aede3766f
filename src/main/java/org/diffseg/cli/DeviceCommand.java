package org.diffseg.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.diffseg.sd.NativeMemory;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Mixin;

/**
 * What every command that runs a network shares: --device and --dtype, loading a model on them,
 * and the run's facts that every benchmark's JSON starts and ends with.
 */
abstract class DeviceCommand extends Subcommand {

	@Mixin
	DeviceOptions device;

	/** A Stable Diffusion model on the chosen device and dtype; the caller closes it. */
	StableDiffusion load(Path model) throws IOException {
		return StableDiffusion.load(model, device.device(), device.dtype());
	}

	/** Prints a benchmark's result as one JSON object on stdout. */
	int printJson(Map<String, Object> json) {
		out().println(Memory.toJson(json));
		return DiffSegCli.EXIT_OK;
	}

	/** The model folder and where it runs, first in a benchmark's JSON. */
	static void putModel(Map<String, Object> json, Path model, StableDiffusion sd) {
		json.put("model", model.toString());
		json.put("device", sd.device.toString());
		json.put("dtype", sd.dtype.toString());
	}

	/** The CPU threads, the native allocator and how weights were loaded, which timings on the CPU depend on. */
	static void putThreads(Map<String, Object> json) {
		json.put("threads", Runtime.getRuntime().availableProcessors());
		json.put("torch_threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
		json.put("allocator", NativeMemory.settings().toString());
		json.put("weights", SafeTensors.mapsWeights() ? "mapped from their files (copy-on-write)" :
			"copied");
	}
}
