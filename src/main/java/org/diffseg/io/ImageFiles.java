package org.diffseg.io;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.img.Hyperstack;
import org.diffseg.img.ImageFileCheck;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.WriteErrors;
import org.diffseg.task.SourceImage;

/**
 * Reading input images and writing result images (TIFF, PNG) through ImageJ 1.x, for the front-ends that work on
 * files (the command line, cluster jobs).
 */
public final class ImageFiles {
	private ImageFiles() {}

	public static ImagePlus open(Path file) {
		ImageFileCheck.check(file); // a folder, an empty file, text named .png, a truncated TIFF: one line naming it
		ImagePlus imp;
		try {
			imp = IJ.openImage(file.toString());
		}
		catch (RuntimeException e) {
			DiffSegException d = new DiffSegException(DiffSegException.Kind.INPUT, file + ": ImageJ cannot read this " +
				"file (" + e + ")", "use TIFF, PNG or JPEG");
			d.initCause(e);
			throw d;
		}
		if (imp == null) throw new DiffSegException(DiffSegException.Kind.INPUT, file + ": ImageJ cannot read this " +
			"file", "use TIFF, PNG or JPEG");
		return imp;
	}

	/**
	 * An image file opened with the planes and channels chosen, as every file-based front-end reads its inputs: every
	 * plane of a stack unless a slice or frame is given (1-based, null for every one); channels 1-based, empty for
	 * the obvious choice. Says on {@code notes} which planes are used (and, when not one, how to choose: in the
	 * front-end's words, {@code howToChoose}) and that a PNG's alpha is ignored.
	 */
	public static SourceImage source(Path image, Integer slice, Integer frame, List<Integer> channels,
		PrintWriter notes, String howToChoose)
	{
		ImagePlus imp = open(image);
		if (ImageFileCheck.pngWithAlpha(image)) notes.println("note: " + image.getFileName() + " has an alpha channel " +
			"(transparency): DiffSeg segments its colours and ignores the alpha");
		int[] chosen = channels == null || channels.isEmpty() ? null : channels.stream().mapToInt(c -> c - 1).toArray();
		Hyperstack<?> img = SourceImage.wrap(imp);
		SourceImage source = new SourceImage(img, slice == null ? -1 : slice - 1, frame == null ? -1 : frame - 1, chosen);
		int nz = img.size(Hyperstack.Axis.Z), nt = img.size(Hyperstack.Axis.TIME), used = source.planes().size();
		if (nz * nt > 1) notes.println("note: " + image.getFileName() + " has " + nz + " slice" + (nz == 1 ? "" : "s") +
			" and " + nt + " frame" + (nt == 1 ? "" : "s") + ": using " + (used == nz * nt ? "every plane" : used +
			" of its " + nz * nt + " planes") + (used == 1 ? "" : " (" + howToChoose + ")"));
		return source;
	}

	public static void saveFloat(Path file, float[] values, int w, int h, String title) throws IOException {
		save(file, new ImagePlus(title, new FloatProcessor(w, h, values)));
	}

	public static void saveMask(Path file, byte[] mask, int w, int h, String title) throws IOException {
		save(file, new ImagePlus(title, new ByteProcessor(w, h, mask)));
	}

	/** A 32-bit stack, one slice per plane, with slice labels. */
	public static void saveFloatStack(Path file, List<float[]> planes, List<String> labels, int w, int h, String title)
		throws IOException
	{
		ImageStack stack = new ImageStack(w, h);
		for (int i = 0; i < planes.size(); i++) stack.addSlice(labels.get(i), new FloatProcessor(w, h, planes.get(i)));
		save(file, new ImagePlus(title, stack));
	}

	/**
	 * Writes a TIFF. ImageJ's FileSaver would write it too but only say false on failure (a full disk read as a
	 * permission problem); its TIFF bytes written here keep the operating system's reason.
	 */
	public static void save(Path file, ImagePlus imp) throws IOException {
		byte[] tiff = new FileSaver(imp).serialize();
		if (tiff == null) throw new DiffSegException(DiffSegException.Kind.INPUT, "could not encode " + file + " as TIFF",
			"report this with the image's type and size");
		try {
			Files.write(file, tiff);
		}
		catch (IOException e) {
			throw WriteErrors.typed(e, file);
		}
	}
}
