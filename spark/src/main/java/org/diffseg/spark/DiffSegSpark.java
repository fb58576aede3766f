package org.diffseg.spark;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code diffseg-spark}: DiffSeg's use cases as Spark jobs, a picocli command per job, each a thin layer over
 * {@code org.diffseg.task} (n5-spark's and BigStitcher-Spark's pattern). The master comes from spark-submit, or from
 * --master for one machine. Exit codes: 0 every item done or skipped, 1 a failure (items that failed are in
 * results.csv with their reasons), 2 usage error.
 */
@Command(name = "diffseg-spark", mixinStandardHelpOptions = true, description = "DiffSeg on Apache Spark: build " +
	"prototype banks, segment folders of images with OVDiff or Peekaboo.", subcommands = {
		CommandLine.HelpCommand.class, PrototypesJob.class, OvDiffJob.class, PeekabooJob.class })
public final class DiffSegSpark implements Callable<Integer> {
	public static final int EXIT_OK = 0, EXIT_FAILURE = 1, EXIT_USAGE = 2;

	public static void main(String[] args) {
		System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
	}

	/** Runs a job and returns its exit code (tests call this; it never exits). */
	public static int run(String[] args, PrintWriter out, PrintWriter err) {
		if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
		CommandLine cl = new CommandLine(new DiffSegSpark());
		cl.setOut(out);
		cl.setErr(err);
		cl.setExitCodeExceptionMapper(e -> EXIT_FAILURE);
		cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
			if (Boolean.getBoolean("diffseg.verbose")) e.printStackTrace(err);
			err.println("diffseg-spark: " + Messages.describe(e));
			err.flush();
			return EXIT_FAILURE;
		});
		cl.setParameterExceptionHandler((e, a) -> {
			err.println("diffseg-spark: " + e.getMessage());
			err.println("Try 'diffseg-spark " + (e.getCommandLine().getCommandName().equals("diffseg-spark") ? "" :
				e.getCommandLine().getCommandName() + " ") + "--help'.");
			err.flush();
			return EXIT_USAGE;
		});
		int code = cl.execute(args);
		out.flush();
		err.flush();
		return code;
	}

	@Override
	public Integer call() {
		CommandLine.usage(this, System.out);
		return EXIT_USAGE;
	}
}
