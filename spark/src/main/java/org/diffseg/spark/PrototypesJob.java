package org.diffseg.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import org.diffseg.options.PrototypeOptions;
import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.run.CancelToken;
import org.diffseg.task.ModelSource;
import org.diffseg.task.PrototypesSettings;
import org.diffseg.task.PrototypesTask;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg-spark prototypes}: build or extend a prototype bank with the classes spread over executors, a class
 * per task; each class is its own bank file (written atomically), so tasks never write the same file, and classes the
 * bank already holds for this model and settings are kept, as {@code diffseg prototypes} does.
 */
@Command(name = "prototypes", mixinStandardHelpOptions = true, description = "Build or extend an OVDiff prototype " +
	"bank on shared storage, a class per task; OUT/results.csv says per class whether it was built, kept or " +
	"failed.")
public final class PrototypesJob extends SparkJob<String> {
	private static final long serialVersionUID = 1L;

	@Option(names = "--bank", required = true, description = "Prototype bank folder (created if missing), on storage " +
		"every executor writes.")
	String bank;

	@Option(names = "--class", required = true, description = "A class name; repeat for several classes.")
	ArrayList<String> classes;

	@Option(names = "--out", required = true, description = "Where results.csv goes (not the bank folder, which " +
		"holds prototype files only).")
	String out;

	@Mixin
	PrototypeOptions prototypes = new PrototypeOptions();

	@Override
	List<String> items() {
		bank = absolute(bank);
		out = absolute(out);
		if (out.equals(bank)) throw new IllegalArgumentException("--out is the bank folder, which must hold prototype " +
			"files only: give another folder for results.csv.");
		prototypes.vit().makeAbsolute();
		List<String> names = ClassNames.distinct(classes); // "Cat" and "cat" twice: refused here
		settings(names.get(0)).ovdiff(); // a bad setting fails on the driver
		PrototypeBank.checkFolder(Path.of(bank), true); // a model folder or a read-only one: refused before any work
		return names;
	}

	PrototypesSettings settings(String className) {
		return prototypes.builder().model(Path.of(model)).bank(Path.of(bank)).classes(List.of(className)).build();
	}

	@Override
	Row process(String className, ModelSource models, int attempt, long start) throws Exception {
		PrototypesTask.Result r = new PrototypesTask(models).run(settings(className), (stage, done, total) -> {},
			CancelToken.none());
		String status = !r.rebuilt().isEmpty() ? "rebuilt" : r.built().isEmpty() ? "kept" : "built";
		return new Row(className, "", status, attempt, seconds(start), new LinkedHashMap<>(), "");
	}

	@Override
	Row skip(String className, long start) {
		return null; // the task itself keeps a class the bank holds (it needs the model's identity to know)
	}

	@Override
	Row failed(String className, int attempts, long start, String error) {
		return new Row(className, "", Row.FAILED, attempts, seconds(start), new LinkedHashMap<>(), error);
	}

	@Override
	Path root() {
		return Path.of(out);
	}

	@Override
	String itemColumn() {
		return "class";
	}

	@Override
	boolean withFolder() {
		return false;
	}
}
