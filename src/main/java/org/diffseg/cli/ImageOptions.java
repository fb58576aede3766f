package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.io.ImageFiles;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Option;

/**
 * --image with --slice, --frame and --channel: which planes and channels of an image a command uses. Every plane of a
 * stack by default, as Fiji's commands do with "every plane"; the choice is said on stderr.
 */
public final class ImageOptions {

	@Option(names = "--image", required = true, description = "Image file (TIFF, PNG, JPEG; grey, RGB, multichannel, " +
		"stacks and hyperstacks; 8/16/32-bit).")
	Path image;

	@Option(names = "--slice", description = "Use only this Z slice (1-based; default: every slice).")
	Integer slice;

	@Option(names = "--frame", description = "Use only this time frame (1-based; default: every frame).")
	Integer frame;

	@Option(names = "--channel", description = "A channel to use (1-based): once for one channel used as grey, three " +
		"times for R, G, B (default: RGB, the only channel, or the three channels).")
	List<Integer> channels = new ArrayList<>();

	/** The image file, opened, with the planes and channels chosen; says on {@code err} which planes are used. */
	SourceImage open(PrintWriter err) {
		return ImageFiles.source(image, slice, frame, channels, err);
	}
}
