package org.diffseg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.diffseg.sd.NativeMemory;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command that runs a network shares: --device and --dtype, loading a model on them, where it prints,
 * and the run's facts that every benchmark's JSON starts and ends with.
 */
abstract class DeviceCommand implements Callable<Integer> {

	@Mixin
	DeviceOptions device;

	@Spec
	CommandSpec spec;

	/** A Stable Diffusion model on the chosen device and dtype; the caller closes it. */
	StableDiffusion load(Path model) throws IOException {
		return StableDiffusion.load(model, device.device(), device.dtype());
	}

	PrintWriter out() {
		return spec.commandLine().getOut();
	}

	PrintWriter err() {
		return spec.commandLine().getErr();
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

	/** The CPU threads and the native allocator, which timings on the CPU depend on. */
	static void putThreads(Map<String, Object> json) {
		json.put("threads", Runtime.getRuntime().availableProcessors());
		json.put("torch_threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
		json.put("allocator", NativeMemory.settings().toString());
	}
}
