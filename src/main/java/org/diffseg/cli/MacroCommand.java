package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.diffseg.fiji.ImageJ1Patch;
import org.diffseg.fiji.MacroRunner;
import org.scijava.Context;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code diffseg macro FILE.ijm [ARG]}: runs an ImageJ macro headlessly, without Fiji, with DiffSeg's commands
 * reachable through {@code run("Peekaboo Segment...", "...")} exactly as in Fiji. What the macro prints goes to standard
 * output; a macro error or a failed command ends it with one line on standard error and exit status 1.
 */
@Command(name = "macro", mixinStandardHelpOptions = true,
	description = { "Run an ImageJ macro headlessly, with DiffSeg's commands reachable through run(\"...\", \"...\").",
		"The macro reads ARG with getArgument(), e.g. \"input=[/data/in] output=[/data/out]\" read with " +
			"call(\"ij.Macro.getValue\", getArgument(), \"input\", \"\")." })
public final class MacroCommand implements Callable<Integer> {

	@Parameters(index = "0", paramLabel = "FILE.ijm", description = "The ImageJ macro to run.")
	Path file;

	@Parameters(index = "1", arity = "0..1", paramLabel = "ARG", description = "The macro's argument (getArgument()).")
	String argument = "";

	@Override
	public Integer call() throws Exception {
		if (!Files.isRegularFile(file)) throw new UserError(file + ": no such macro file. Give the path of an .ijm file.");
		// before any AWT or ImageJ class loads: no windows, and ImageJ 1.x patched for the bridge
		if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
		try {
			ImageJ1Patch.ensurePatched();
		}
		catch (IllegalStateException e) {
			throw new UserError(e.getMessage(), e);
		}
		MacroRunner.Result result;
		try (Context context = new Context()) {
			result = MacroRunner.run(context, file, argument);
		}
		if (!result.ok()) throw new UserError(result.error());
		return DiffSegCli.EXIT_OK;
	}
}
