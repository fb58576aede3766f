package org.diffseg.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.io.OutputFolder;
import org.diffseg.options.OverwriteOption;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --out and --overwrite: the folder a command publishes its files to, complete or not at all. */
final class OutputOptions {

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Mixin
	OverwriteOption overwrite = new OverwriteOption();

	/** The output folder, to fill and then commit. */
	OutputFolder folder() throws IOException {
		return overwrite.folder(out);
	}

	/** The line that says where the files went, and from how many planes. */
	String wrote(int planes) {
		return "wrote " + out.toAbsolutePath() + (planes > 1 ? " (" + planes + " planes)" : "");
	}
}
