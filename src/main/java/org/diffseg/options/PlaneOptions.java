package org.diffseg.options;

import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;

import org.diffseg.io.ImageFiles;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Option;

/**
 * --slice, --frame and --channel: which planes and channels of an image a command uses. Every plane of a stack by
 * default, as Fiji's commands do with "every plane"; the choice is said on the log.
 */
public final class PlaneOptions implements Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--slice", description = "Use only this Z slice (1-based; default: every slice).")
	Integer slice;

	@Option(names = "--frame", description = "Use only this time frame (1-based; default: every frame).")
	Integer frame;

	@Option(names = "--channel", description = "A channel to use (1-based): once for one channel used as grey, three " +
		"times for R, G, B (default: RGB, the only channel, or the three channels).")
	ArrayList<Integer> channels = new ArrayList<>();

	/** The image file, opened, with the planes and channels chosen; says on {@code log} which planes are used. */
	public SourceImage open(Path image, PrintWriter log) {
		return ImageFiles.source(image, slice, frame, channels, log, "choose one with --slice N or --frame N");
	}
}
