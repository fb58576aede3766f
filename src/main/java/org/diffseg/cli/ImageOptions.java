package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.diffseg.options.PlaneOptions;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * --image with --slice, --frame and --channel: which planes and channels of an image a command uses. Every plane of a
 * stack by default, as Fiji's commands do with "every plane"; the choice is said on stderr.
 */
public final class ImageOptions {

	@Option(names = "--image", required = true, description = "Image file (TIFF, PNG, JPEG; grey, RGB, multichannel, " +
		"stacks and hyperstacks; 8/16/32-bit).")
	Path image;

	@Mixin
	PlaneOptions planes = new PlaneOptions();

	/** The image file, opened, with the planes and channels chosen; says on {@code err} which planes are used. */
	SourceImage open(PrintWriter err) {
		return planes.open(image, err);
	}
}
