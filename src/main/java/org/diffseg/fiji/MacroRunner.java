package org.diffseg.fiji;

import java.io.IOException;
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

	/** Interprets the macro; returns the error line, or null. */
	private static String interpret(String name, String code, String argument) {
		Interpreter interpreter = new Interpreter();
		interpreter.setIgnoreErrors(true); // errors come back as messages, never as dialogs
		String thrown = null;
		try {
			interpreter.run(code, argument);
		}
		catch (Throwable t) {
			// exit and aborts unwind with "Macro canceled"; anything else the interpreter did not catch is an error
			if (!Macro.MACRO_CANCELED.equals(t.getMessage())) thrown = UserMessages.describe(t);
		}
		String message = interpreter.getErrorMessage();
		if (message != null) return name + ", line " + interpreter.getLineNumber() + ": " + message;
		return thrown == null ? null : name + ": " + thrown;
	}
}
