package org.diffseg.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.diffseg.sd.RandomModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffseg init-model}: a random-weight model in diffusers layout, for benchmarks at real size. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
	description = "Write a random-weight Stable Diffusion model (diffusers layout) for benchmarks. Its outputs mean nothing.")
public final class InitModelCommand implements Callable<Integer> {

	@Option(names = "--preset", required = true, description = "sd15 (860M-parameter UNet), sd21 or tiny.")
	String preset;

	@Option(names = "--seed", defaultValue = "0", description = "Random seed (default 0).")
	long seed;

	@Option(names = "--out", required = true, description = "New folder to write.")
	Path out;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		if (!RandomModel.PRESETS.contains(preset)) throw new UserError("unknown --preset '" + preset + "': choose one of " +
			RandomModel.PRESETS + ".");
		RandomModel.write(preset, seed, out, spec.commandLine().getOut()::println);
		return DiffSegCli.EXIT_OK;
	}
}
