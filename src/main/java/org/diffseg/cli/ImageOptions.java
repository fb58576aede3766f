package org.diffseg.cli;

import ij.ImagePlus;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.io.ImageFiles;
import org.diffseg.img.Hyperstack;
import org.diffseg.img.ImageFileCheck;
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
		ImagePlus imp = ImageFiles.open(image);
		if (ImageFileCheck.pngWithAlpha(image)) err.println("note: " + image.getFileName() + " has an alpha channel " +
			"(transparency): DiffSeg segments its colours and ignores the alpha");
		int[] chosen = channels.isEmpty() ? null : channels.stream().mapToInt(c -> c - 1).toArray();
		Hyperstack<?> img = SourceImage.wrap(imp);
		SourceImage source = new SourceImage(img, slice == null ? -1 : slice - 1, frame == null ? -1 : frame - 1, chosen);
		int nz = img.size(Hyperstack.Axis.Z), nt = img.size(Hyperstack.Axis.TIME), used = source.planes().size();
		if (nz * nt > 1) err.println("note: " + image.getFileName() + " has " + nz + " slice" + (nz == 1 ? "" : "s") +
			" and " + nt + " frame" + (nt == 1 ? "" : "s") + ": using " + (used == nz * nt ? "every plane" : used +
			" of its " + nz * nt + " planes") + (used == 1 ? "" : " (choose with --slice and --frame)"));
		return source;
	}
}
