package org.diffseg.options;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

import org.diffseg.io.OutputFolder;

import picocli.CommandLine.Option;

/**
 * --overwrite: whether an output folder ({@code diffseg}'s --out, a Spark job's folder per image) may replace files of
 * the same names that DiffSeg did not write.
 */
public final class OverwriteOption implements Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--overwrite", description = "Replace files of the same names in an output folder that DiffSeg did " +
		"not write (by default that output fails with a message and leaves them).")
	boolean overwrite;

	/** The output folder {@code dir}, to fill and then commit; it replaces others' files only when asked to. */
	public OutputFolder folder(Path dir) throws IOException {
		return new OutputFolder(dir, overwrite);
	}
}
