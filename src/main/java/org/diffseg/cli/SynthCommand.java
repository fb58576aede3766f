package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.synth.Scene;
import org.diffseg.synth.SceneDataset;
import org.diffseg.synth.SceneGenerator;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code diffseg synth}: write scenes of the synthetic world, with captions and object masks, as a dataset folder. */
@Command(name = "synth", mixinStandardHelpOptions = true,
	description = "Write N scenes of the synthetic world (64x64 coloured shapes on muted backgrounds) as a dataset folder: " +
		"scene-NN.png, one 0/255 mask PNG per object, and scenes.json (image, caption, objects with prompt and mask), " +
		"the format `diffseg eval --dataset` reads.")
public final class SynthCommand extends Subcommand {

	@Option(names = "--out", required = true, description = "Dataset folder (created if missing).")
	Path out;

	@Option(names = "--scenes", defaultValue = "40", description = "Number of scenes (default 40).")
	int scenes;

	@Option(names = "--seed", defaultValue = "0", description = "Seed: the same seed gives the same scenes (default 0).")
	long seed;

	@Override
	public Integer call() throws Exception {
		if (scenes < 1) throw new UserError("--scenes must be at least 1.");
		if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(out + " is a file: give a folder for --out.");
		SceneGenerator generator = new SceneGenerator(seed);
		List<Scene> list = new ArrayList<>(scenes);
		int objects = 0;
		for (int i = 0; i < scenes; i++) {
			Scene s = generator.next();
			objects += s.objects().size();
			list.add(s);
		}
		SceneDataset.write(out, list);
		out().printf("%d scenes, %d objects written to %s%n", scenes, objects,
			out.resolve(SceneDataset.INDEX));
		return DiffSegCli.EXIT_OK;
	}
}
