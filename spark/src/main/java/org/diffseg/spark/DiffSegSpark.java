package org.diffseg.spark;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.diffseg.options.CommandLines;

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
	public static final int EXIT_OK = CommandLines.EXIT_OK, EXIT_FAILURE = CommandLines.EXIT_FAILURE,
		EXIT_USAGE = CommandLines.EXIT_USAGE;

	public static void main(String[] args) {
		System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
	}

	/** Runs a job and returns its exit code (tests call this; it never exits). */
	public static int run(String[] args, PrintWriter out, PrintWriter err) {
		return CommandLines.execute(new DiffSegSpark(), args, out, err, () -> Boolean.getBoolean("diffseg.verbose"),
			Messages::describe);
	}

	@Override
	public Integer call() {
		CommandLine.usage(this, System.out);
		return EXIT_USAGE;
	}
}
