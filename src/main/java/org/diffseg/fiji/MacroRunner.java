package org.diffseg.fiji;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.scijava.Context;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;

/**
 * Runs an ImageJ macro with ImageJ 1.x's own interpreter, headless and in batch mode, with DiffSeg's commands
 * reachable through {@code run("...", "...")} by the {@link LegacyBridge}: what {@code diffseg macro} and the tests do.
 * Call {@link ImageJ1Patch#ensurePatched()} before this class is first used.
 */
public final class MacroRunner {

	/**
	 * How a macro ended.
	 *
	 * @param error one line saying why the macro stopped (a macro error with its line, or a failed DiffSeg command);
	 *        null when it ran to its end or to {@code exit}
	 * @param log every line the macro and the commands wrote to ImageJ's Log
	 */
	public record Result(String error, List<String> log) {
		public boolean ok() {
			return error == null;
		}
	}

	private MacroRunner() {}

	/**
	 * Runs {@code macro} with {@code argument} (the macro reads it with {@code getArgument()}) on its own thread and
	 * waits for it; interrupting the caller interrupts the macro. The images it leaves open are closed, as when a
	 * headless Fiji exits, so macros run one after another start alike.
	 */
	public static Result run(Context context, Path macro, String argument) throws IOException, InterruptedException {
		String code = Files.readString(macro);
		String name = String.valueOf(macro.getFileName());
		List<String> log = Collections.synchronizedList(new ArrayList<>());
		Set<Integer> before = openImages();
		try (LegacyBridge bridge = LegacyBridge.install(context)) {
			bridge.setLogListener(message -> log.addAll(message.lines().toList()));
			AtomicReference<String> error = new AtomicReference<>();
			Thread thread = new Thread(() -> error.set(interpret(name, code, argument == null ? "" : argument)),
				"DiffSeg macro " + name);
			thread.start();
			try {
				thread.join();
			}
			catch (InterruptedException e) {
				thread.interrupt();
				thread.join();
				throw e;
			}
			String failure = bridge.takeFailure();
			return new Result(failure != null ? failure : error.get(), List.copyOf(log));
		}
		finally {
			for (int id : openImages())
				if (!before.contains(id)) close(WindowManager.getImage(id));
		}
	}

	/** The IDs of the open images, batch-mode ones included. */
	private static Set<Integer> openImages() {
		Set<Integer> ids = new HashSet<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list)
			ids.add(id);
		return ids;
	}

	private static void close(ImagePlus imp) {
		if (imp == null) return;
		imp.changes = false; // never ask to save
		imp.close();
	}

	/**
	 * Interprets the macro; returns the error line, or null. ImageJ stops a macro at its first error only when errors
	 * are not ignored; it then shows the error in a dialog, which ij1-patcher turns into a line on stderr when there is
	 * no ImageJ window: {@link ErrorEcho} drops that copy, as this error line is the one message.
	 */
	private static String interpret(String name, String code, String argument) {
		Interpreter interpreter = new Interpreter();
		interpreter.setIgnoreErrors(false);
		String thrown = null;
		try (ErrorEcho echo = ErrorEcho.install()) {
			interpreter.run(code, argument);
		}
		catch (Throwable t) {
			// errors, exit and aborts unwind with "Macro canceled"; anything else the interpreter did not catch is an error
			if (!Macro.MACRO_CANCELED.equals(t.getMessage())) thrown = UserMessages.describe(t);
		}
		String message = interpreter.getErrorMessage();
		if (message != null) return name + ", line " + errorLine(interpreter) + ": " + message;
		return thrown == null ? null : name + ": " + thrown;
	}

	/**
	 * The line of the macro's error. {@code getLineNumber()} reads the line at the interpreter's position, which its error
	 * handling moves past the end of the faulty line; the line it shows in its own message is kept in a package-private
	 * field, read here.
	 */
	private static int errorLine(Interpreter interpreter) {
		try {
			Field field = Interpreter.class.getDeclaredField("lineNumber");
			field.setAccessible(true);
			int line = field.getInt(interpreter);
			if (line > 0) return line;
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			// another ImageJ version: fall back to the public, approximate line
		}
		return interpreter.getLineNumber();
	}

	/**
	 * While a macro runs on the current thread, drops the lines that thread prints to stderr starting with "Macro
	 * Error: " or "No Image: ": ij1-patcher's stand-in for ImageJ's error dialog. Everything else passes through.
	 */
	private static final class ErrorEcho extends PrintStream implements AutoCloseable {

		private final PrintStream original;
		private final Thread thread = Thread.currentThread();

		private ErrorEcho(PrintStream original) {
			super(original, true);
			this.original = original;
		}

		static synchronized ErrorEcho install() {
			ErrorEcho echo = new ErrorEcho(System.err);
			System.setErr(echo);
			return echo;
		}

		@Override
		public void println(String line) {
			if (Thread.currentThread() == thread && line != null &&
				(line.startsWith("Macro Error: ") || line.startsWith("No Image: "))) return;
			super.println(line);
		}

		@Override
		public void close() {
			synchronized (ErrorEcho.class) {
				if (System.err == this) System.setErr(original); // never closes the real stderr
			}
		}
	}
}
