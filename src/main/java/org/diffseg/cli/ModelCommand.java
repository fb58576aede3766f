package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.diffseg.run.ProgressListener;
import org.diffseg.task.LoadedModels;

import picocli.CommandLine.Option;

/**
 * What every command that runs a use case of {@code org.diffseg.task} on a Stable Diffusion model shares: --model
 * (default: the shipped tiny model), --device and --dtype, and where it prints.
 */
abstract class ModelCommand extends DeviceCommand {

	@Option(names = "--model", description = "Stable Diffusion folder (default: the shipped tiny model).")
	Path model;

	/** The --model folder, else the shipped one. */
	Path modelFolder() {
		return model != null ? model : DefaultModel.folder();
	}

	/** The models of this run, on the chosen device, freed when closed. */
	LoadedModels models() {
		return new LoadedModels(device.device(), device.dtype());
	}

	/** Progress on stderr: every tenth of the iterations, and the last. */
	static ProgressListener everyTenth(PrintWriter log) {
		return (stage, i, n) -> {
			if (i == n || i % Math.max(1, n / 10) == 0) log.printf("%s %d/%d%n", stage, i, n);
		};
	}
}
