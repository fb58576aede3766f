package org.diffseg.cli;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.img.ImageFileCheck;
import org.diffseg.run.WriteErrors;

/** Reading input images and writing result images (TIFF, PNG) for the command line, through ImageJ 1.x. */
final class ImageFiles {
	private ImageFiles() {}

	static ImagePlus open(Path file) {
		ImageFileCheck.check(file); // a folder, an empty file, text named .png, a truncated TIFF: one line naming it
		ImagePlus imp;
		try {
			imp = IJ.openImage(file.toString());
		}
		catch (RuntimeException e) {
			throw new UserError(file + ": ImageJ cannot read this file (" + e + "): use TIFF, PNG or JPEG.");
		}
		if (imp == null) throw new UserError(file + ": ImageJ cannot read this file (use TIFF, PNG or JPEG).");
		return imp;
	}

	static void saveFloat(Path file, float[] values, int w, int h, String title) throws IOException {
		save(file, new ImagePlus(title, new FloatProcessor(w, h, values)));
	}

	static void saveMask(Path file, byte[] mask, int w, int h, String title) throws IOException {
		save(file, new ImagePlus(title, new ByteProcessor(w, h, mask)));
	}

	/** A 32-bit stack, one slice per plane, with slice labels. */
	static void saveFloatStack(Path file, List<float[]> planes, List<String> labels, int w, int h, String title) throws IOException {
		ImageStack stack = new ImageStack(w, h);
		for (int i = 0; i < planes.size(); i++) stack.addSlice(labels.get(i), new FloatProcessor(w, h, planes.get(i)));
		save(file, new ImagePlus(title, stack));
	}

	/**
	 * Writes a TIFF. ImageJ's FileSaver would write it too but only say false on failure (a full disk read as a
	 * permission problem); its TIFF bytes written here keep the operating system's reason.
	 */
	static void save(Path file, ImagePlus imp) throws IOException {
		byte[] tiff = new FileSaver(imp).serialize();
		if (tiff == null) throw new UserError("could not encode " + file + " as TIFF.");
		try {
			Files.write(file, tiff);
		}
		catch (IOException e) {
			throw WriteErrors.typed(e, file);
		}
	}
}
