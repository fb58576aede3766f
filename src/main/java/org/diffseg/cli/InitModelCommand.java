package org.diffseg.cli;

import java.nio.file.Path;

import org.diffseg.sd.RandomModel;
import org.diffseg.vit.RandomVitModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code diffseg init-model}: a random-weight model at real size, for benchmarks. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
	description = "Write a random-weight model for benchmarks: Stable Diffusion (diffusers layout) or a CLIP/DINO ViT " +
		"(Hugging Face layout). Its outputs mean nothing.")
public final class InitModelCommand extends Subcommand {

	@Option(names = "--preset", required = true, description = "sd15 (860M-parameter UNet), sd21, tiny, clip-vit-b16 " +
		"(CLIP ViT-B/16) or dino-vitb8 (DINO ViT-B/8).")
	String preset;

	@Option(names = "--seed", defaultValue = "0", description = "Random seed (default 0).")
	long seed;

	@Option(names = "--out", required = true, description = "New folder to write.")
	Path out;

	@Override
	public Integer call() throws Exception {
		if (RandomVitModel.PRESETS.contains(preset)) {
			RandomVitModel.write(preset, seed, out, out()::println);
			return DiffSegCli.EXIT_OK;
		}
		if (!RandomModel.PRESETS.contains(preset)) throw new UserError("unknown --preset '" + preset + "': choose one of " +
			RandomModel.PRESETS + " or " + RandomVitModel.PRESETS + ".");
		RandomModel.write(preset, seed, out, out()::println);
		return DiffSegCli.EXIT_OK;
	}
}
