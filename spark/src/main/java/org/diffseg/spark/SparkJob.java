package org.diffseg.spark;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.diffseg.gpu.DeviceChoice;
import org.diffseg.options.DataTypeOption;
import org.diffseg.task.ModelSource;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What the three jobs share: the driver lists work items, Spark spreads them over executors (one item per
 * partition), each item is tried up to 1 + --retries times on the models of its executor JVM, and the driver collects
 * a {@link Row} per item into results.csv. The job object travels to the executors with its options, so its fields
 * are plain serializable values (paths as absolute strings: executors read and write shared storage).
 *
 * @param <I> the work item
 */
abstract class SparkJob<I extends Serializable> implements Callable<Integer>, Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--master", description = "Spark master URL, e.g. 'local[2]' for this machine (default: the one " +
		"spark-submit gives).")
	String master;

	@Option(names = "--model", required = true, description = "Stable Diffusion folder (diffusers layout), on storage " +
		"every executor reads.")
	String model;

	@Option(names = "--device", description = "cpu, gpu or gpu:N (default: the GPU Spark gave the task under GPU " +
		"scheduling, else as on the command line: DIFFSEG_DEVICE, else the GPU with the most free memory, else cpu).")
	String device;

	@Mixin
	DataTypeOption dtype = new DataTypeOption();

	@Option(names = "--retries", defaultValue = "1", description = "Tries after a failure before an item is recorded " +
		"as failed (default ${DEFAULT-VALUE}).")
	int retries;

	@Spec
	transient CommandSpec spec;

	/** The work items, listed on the driver (fails at once for a bad folder or option). */
	abstract List<I> items() throws Exception;

	/**
	 * Does one item on an executor (the models are this JVM's); throws when it fails.
	 *
	 * @param startNanos from when its seconds count (earlier tries included)
	 */
	abstract Row process(I item, ModelSource models, int attempt, long startNanos) throws Exception;

	/** The row of an item that needs no work (finished by an earlier run), or null. */
	abstract Row skip(I item, long startNanos);

	/** @param startNanos from when its seconds count: the tries' time */
	abstract Row failed(I item, int attempts, long startNanos, String error);

	/** The output root, where results.csv goes. */
	abstract Path root();

	/** "image" or "class". */
	abstract String itemColumn();

	boolean withFolder() {
		return true;
	}

	@Override
	public Integer call() throws Exception {
		PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
		if (retries < 0) throw new IllegalArgumentException("--retries " + retries + " is negative: give 0 or more.");
		SparkConf conf = new SparkConf().setAppName("DiffSeg " + spec.name());
		// a run on this machine shows DiffSeg's lines, not Spark's INFO log (a cluster's logging is its own)
		if (master != null) conf.setMaster(master).setIfMissing("spark.log.level", "WARN");
		else if (!conf.contains("spark.master")) throw new IllegalArgumentException("no Spark master: run the job " +
			"with spark-submit, or give --master (e.g. --master 'local[2]' for this machine).");
		dtype(); // a bad --dtype fails here, not on every executor
		model = absolute(model);
		List<I> items = items();
		Files.createDirectories(root());
		List<Row> rows;
		try (JavaSparkContext sc = new JavaSparkContext(conf)) {
			rows = sc.parallelize(items, Math.max(1, items.size())).map(this::run).collect();
		}
		ResultsTable.write(root(), itemColumn(), withFolder(), rows);
		long failed = rows.stream().filter(Row::failed).count();
		for (Row r : rows) out.println(r.item() + (r.folder().isEmpty() || !withFolder() ? "" : " -> " + r.folder()) +
			": " + r.status() + String.format(Locale.ROOT, " (%.1f s)", r.seconds()) + (r.error().isEmpty() ? "" :
			": " + r.error()));
		out.println("results: " + root().resolve(ResultsTable.FILE) + " (" + rows.size() + (rows.size() == 1 ?
			" item, " : " items, ") + failed + " failed)");
		out.flush();
		if (failed > 0) {
			err.println("diffseg-spark: " + failed + " of " + rows.size() + " failed: their reasons are in " +
				root().resolve(ResultsTable.FILE) + "; fix them and run again (finished items are skipped).");
			err.flush();
			return DiffSegSpark.EXIT_FAILURE;
		}
		return DiffSegSpark.EXIT_OK;
	}

	/** On an executor: skip, or try the item until it works or the tries run out. */
	Row run(I item) {
		long start = System.nanoTime();
		Row skipped = skip(item, start);
		if (skipped != null) return skipped;
		Throwable last = null;
		int attempt = 0;
		long[] busy = { 0 }; // time spent on the item, not waiting for the models (tasks take turns on them)
		while (attempt <= retries) {
			attempt++;
			int a = attempt;
			try {
				return ExecutorModels.use(taskDevice(), dtype(), models -> {
					long t = System.nanoTime();
					try {
						return process(item, models, a, t - busy[0]);
					}
					finally {
						busy[0] += System.nanoTime() - t;
					}
				});
			}
			catch (Exception | OutOfMemoryError | LinkageError e) {
				last = e;
				System.err.println("diffseg-spark: " + item + ", try " + attempt + " of " + (retries + 1) + " failed: " +
					Messages.describe(e));
			}
		}
		return failed(item, attempt, System.nanoTime() - busy[0], Messages.describe(last));
	}

	/** The device of this task: its Spark GPU when GPUs are scheduled, else --device. */
	Device taskDevice() {
		Map<String, String[]> resources = new HashMap<>();
		TaskContext task = TaskContext.get();
		if (task != null) task.resourcesJMap().forEach((name, info) -> resources.put(name, info.addresses()));
		return DeviceChoice.choose(TaskDevice.choose(resources, device), null).device();
	}

	DataType dtype() {
		return dtype.dtype();
	}

	static double seconds(long startNanos) {
		return (System.nanoTime() - startNanos) / 1e9;
	}

	static String absolute(String path) {
		return Path.of(path).toAbsolutePath().normalize().toString();
	}
}
