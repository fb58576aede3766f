package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.options.PrototypeOptions;
import org.diffseg.run.CancelToken;
import org.diffseg.task.LoadedModels;
import org.diffseg.task.PrototypesSettings;
import org.diffseg.task.PrototypesTask;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code diffseg prototypes}: build or extend an OVDiff prototype bank, class by class, through {@link PrototypesTask}. */
@Command(name = "prototypes", mixinStandardHelpOptions = true,
	description = "Build or extend an OVDiff prototype bank: sample support images per class with Stable Diffusion and " +
		"store their foreground/background prototypes. Classes already in the bank (for this model and settings) are kept.")
public final class PrototypesCommand extends ModelCommand {

	@Option(names = "--bank", required = true, description = "Prototype bank folder (created if missing).")
	Path bank;

	@Option(names = "--class", required = true, description = "A class name; repeat for several classes.")
	List<String> classes;

	@Mixin
	PrototypeOptions prototypes;

	@Override
	public Integer call() throws Exception {
		PrintWriter err = err(), out = out();
		PrototypesSettings settings = prototypes.builder().model(modelFolder()).bank(bank).classes(classes).build();
		settings.ovdiff(); // a bad setting fails before any model loads
		try (LoadedModels models = models()) {
			PrototypesTask.Result r = new PrototypesTask(models).run(settings, (stage, done, total) -> {
				err.printf("%s %d/%d%n", stage, done, total);
				err.flush();
			}, CancelToken.none());
			for (String c : r.classes()) out.println(r.rebuilt().contains(c) ? "rebuilt " + c + " (its prototype file " +
				"was damaged)" : (r.built().contains(c) ? "built " : "kept  ") + c);
			out.println("bank " + bank.toAbsolutePath() + " (" + r.vocabularySize() + (r.vocabularySize() == 1 ?
				" class" : " classes") + " for this model and settings)");
		}
		return DiffSegCli.EXIT_OK;
	}
}
