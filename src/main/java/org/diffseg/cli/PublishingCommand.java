package org.diffseg.cli;

import org.diffseg.io.OutputFolder;
import org.diffseg.task.LoadedModels;

import picocli.CommandLine.Mixin;

/**
 * A {@link ModelCommand} that publishes its files to --out complete or not at all ({@code diffseg peekaboo},
 * {@code ovdiff}, {@code rgba}): names it must not overwrite are refused before the long work, and the line that says
 * where the files went comes only once they are committed.
 */
abstract class PublishingCommand extends ModelCommand {

	@Mixin
	OutputOptions output;

	/** A run's work: computes with {@code models} and writes into {@code folder}; returns how many planes it wrote. */
	interface Work {
		int write(LoadedModels models, OutputFolder folder) throws Exception;
	}

	/**
	 * Loads the models, checks that {@code files} may be written, does {@code work}, commits the folder and says where
	 * it is.
	 */
	int publish(Iterable<String> files, Work work) throws Exception {
		try (LoadedModels models = models();
			OutputFolder folder = output.folder())
		{
			// refuse before the long work (commit checks every file again)
			folder.expect(files);
			int planes = work.write(models, folder);
			folder.commit();
			out().println(output.wrote(planes));
		}
		return DiffSegCli.EXIT_OK;
	}
}
