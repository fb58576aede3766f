package org.diffseg.options;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.diffseg.io.OutputFolder;
import org.diffseg.run.DiffSegException;

import picocli.CommandLine;

/**
 * How {@code diffseg} and {@code diffseg-spark} run their command lines alike: the exit codes, a failure as one line
 * on stderr (its stack trace only when asked for), and a usage error with the way to the help.
 */
public final class CommandLines {
	/** 0 success, 1 failure (one clear line on stderr), 2 usage error. */
	public static final int EXIT_OK = 0, EXIT_FAILURE = 1, EXIT_USAGE = 2;

	/** The flag of each neutral setting name a {@link DiffSegException} of kind SETTING names. */
	private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("bank", "--bank"),
		Map.entry("model", "--model"), Map.entry("shorter side", "--shorter-side"), Map.entry("slice", "--slice"),
		Map.entry("frame", "--frame"), Map.entry("channels", "--channel"), Map.entry("stuff", "--stuff and --thing"),
		Map.entry("guide", "--guide"), Map.entry("prompts", "--prompt"), Map.entry("prompt", "--prompt"),
		Map.entry("splitter", "--splitter"), Map.entry("classes", "--class"), Map.entry("method", "--method"),
		Map.entry("limit", "--limit"), Map.entry("dataset", "--dataset"), Map.entry("representation", "--representation"),
		Map.entry(OutputFolder.OVERWRITE, "--overwrite"), Map.entry(OutputFolder.OUTPUT_FOLDER, "--out"));

	private CommandLines() {}

	/**
	 * The failure worth showing: the first of {@code e} and its causes that is a typed or I/O failure, or that has a
	 * message of its own (wrappers such as picocli's or a bare {@code RuntimeException(cause)} are passed over).
	 */
	public static Throwable meaningfulCause(Throwable e) {
		Throwable t = e;
		while (t.getCause() != null && !(t instanceof DiffSegException) && !(t instanceof IOException) &&
			(t.getMessage() == null || t.getMessage().isBlank() || t.getClass() == RuntimeException.class))
			t = t.getCause();
		return t;
	}

	/** A bad setting in the flags' words: the problem, the flag to change, and the fix. */
	public static String describeSetting(DiffSegException e) {
		String flag = FLAGS.get(e.detail(DiffSegException.SETTING));
		return e.problem() + (flag == null ? "" : " (" + flag + ")") + e.fixWith("");
	}

	/**
	 * Runs {@code command} (a picocli {@code @Command}) on {@code args} and returns its exit code; never exits.
	 *
	 * @param verbose whether a failure's stack trace goes to {@code err} too (read after parsing)
	 * @param describe the one line that words a failure for the user
	 */
	public static int execute(Object command, String[] args, PrintWriter out, PrintWriter err, BooleanSupplier verbose,
		Function<Throwable, String> describe)
	{
		// the native libraries come from the jars: DJL must not try to download them
		if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
		CommandLine cl = new CommandLine(command);
		String name = cl.getCommandName();
		cl.setOut(out);
		cl.setErr(err);
		cl.setExitCodeExceptionMapper(e -> EXIT_FAILURE);
		cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
			if (verbose.getAsBoolean()) e.printStackTrace(err);
			err.println(name + ": " + describe.apply(e));
			err.flush();
			return EXIT_FAILURE;
		});
		cl.setParameterExceptionHandler((e, a) -> {
			err.println(name + ": " + e.getMessage());
			err.println("Try '" + name + " " + (e.getCommandLine().getCommandName().equals(name) ? "" :
				e.getCommandLine().getCommandName() + " ") + "--help'.");
			err.flush();
			return EXIT_USAGE;
		});
		int code = cl.execute(args);
		out.flush();
		err.flush();
		return code;
	}
}
