package org.diffseg.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.diffseg.options.CommandLines;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code diffseg}: the headless entry point. Each subcommand is a thin wrapper over the same engines the Fiji
 * commands use. Exit codes: 0 success, 1 failure (one clear line on stderr), 2 usage error.
 */
@Command(name = "diffseg", mixinStandardHelpOptions = true, versionProvider = DiffSegCli.Version.class,
	description = "Text-prompted segmentation with Stable Diffusion (Peekaboo, OVDiff).",
	subcommands = { CommandLine.HelpCommand.class, SystemCommand.class, InspectCommand.class,
		CheckModelCommand.class, InitModelCommand.class, BenchCommand.class, PeekabooCommand.class,
		ModelsCommand.class, UpdateSiteCommand.class, MacroCommand.class, PrototypesCommand.class, OvDiffCommand.class,
		RgbaCommand.class, SynthCommand.class, EvalCommand.class, TrainCommand.class })
public final class DiffSegCli implements Callable<Integer> {

	public static final int EXIT_OK = CommandLines.EXIT_OK, EXIT_FAILURE = CommandLines.EXIT_FAILURE,
		EXIT_USAGE = CommandLines.EXIT_USAGE;

	@Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
		description = "Print stack traces of failures.")
	static boolean verbose;

	public static void main(String[] args) {
		System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
	}

	/** Runs the command line and returns its exit code (used by tests, never calls System.exit). */
	public static int run(String[] args, PrintWriter out, PrintWriter err) {
		// no SLF4J binding on the command line (Fiji brings its own): keep its "no providers" notice off stderr
		if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
		org.diffseg.sd.NativeMemory.configure(); // the C allocator tuned before any tensor
		// Building the command tree loads classes that load ij.ImagePlus; ImageJ 1.x must be patched before that, or
		// ij1-patcher prints ~70 lines of LinkageError traces for every macro run. MacroCommand reports a failure.
		if (args.length > 0 && args[0].equals("macro")) patchImageJQuietly();
		return CommandLines.execute(new DiffSegCli(), args, out, err, () -> verbose, DiffSegCli::describe);
	}

	private static void patchImageJQuietly() {
		if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
		try {
			org.diffseg.fiji.ImageJ1Patch.ensurePatched();
		}
		catch (IllegalStateException e) {
			// MacroCommand tries again and words the failure
		}
	}

	/** One line: the user-facing message of the first meaningful cause. */
	static String describe(Throwable e) {
		Throwable t = CommandLines.meaningfulCause(e);
		if (t instanceof java.io.IOException io && org.diffseg.run.WriteErrors.classifyAny(io) != null)
			t = org.diffseg.run.WriteErrors.classifyAny(io); // disk full, permission denied, read-only: path and fix
		if (t instanceof org.diffseg.run.DiffSegException d) return CliMessages.describe(d).replace('\n', ' ');
		if (t instanceof OutOfMemoryError) return "out of memory: " + t.getMessage() +
			". Use a smaller image size or batch, or give Java more memory (-Xmx).";
		String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
		// errors users cause are UserError, IOException or (from the engines and tasks) IllegalArgumentException; a
		// non-finite value (NaN) stops an engine with a message naming the iteration, the stage and the fix
		if (!(t instanceof UserError) && !(t instanceof java.io.IOException) && !(t instanceof IllegalArgumentException)
			&& !(t instanceof org.diffseg.sd.NonFiniteException)) msg = t.getClass().getSimpleName() + ": " + msg;
		return msg.replace('\n', ' ');
	}

	@Override
	public Integer call() {
		CommandLine.usage(this, System.out);
		return EXIT_USAGE;
	}

	static final class Version implements CommandLine.IVersionProvider {
		@Override
		public String[] getVersion() {
			String v = DiffSegCli.class.getPackage().getImplementationVersion();
			return new String[] { "diffseg " + (v == null ? "(development build)" : v) };
		}
	}
}
