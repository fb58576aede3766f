package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.*;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.diffseg.run.DiffSegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ImageFileCheck} lets through (every image ImageJ writes, whole) and what it refuses. */
class ImageFileCheckTest {
	@TempDir
	Path tmp;

	private static String refusal(Path p) {
		DiffSegException e = assertThrows(DiffSegException.class, () -> ImageFileCheck.check(p), p.toString());
		assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), e.getMessage());
		return e.getMessage();
	}

	@Test
	void wholeImagesPass() throws Exception {
		for (String name : new String[] { "astronaut.png", "chelsea.png", "coffee.png" })
			ImageFileCheck.check(Path.of("models/samples", name));
		ColorProcessor rgb = new ColorProcessor(31, 17);
		for (int i = 0; i < 31 * 17; i++) rgb.set(i, i * 7919);
		for (String ext : new String[] { "tif", "png", "jpg" }) {
			Path p = tmp.resolve("rgb." + ext);
			IJ.save(new ImagePlus("rgb", rgb), p.toString());
			ImageFileCheck.check(p);
		}
		ImageStack stack = new ImageStack(20, 10);
		for (int z = 0; z < 5; z++) stack.addSlice(new ShortProcessor(20, 10));
		Path p = tmp.resolve("stack.tif");
		assertTrue(new FileSaver(new ImagePlus("stack", stack)).saveAsTiffStack(p.toString()));
		ImageFileCheck.check(p);
		// a truncated stack: the last planes' data (or their directories) are gone
		byte[] whole = Files.readAllBytes(p);
		for (int cut : new int[] { whole.length - 1, whole.length / 2, 9 }) {
			Path t = tmp.resolve("stack-" + cut + ".tif");
			Files.write(t, Arrays.copyOf(whole, cut));
			assertTrue(refusal(t).contains("truncated TIFF"), refusal(t));
		}
	}

	@Test
	void whatIsNoImageIsSaid() throws Exception {
		assertTrue(refusal(Files.createDirectories(tmp.resolve("dir.tif"))).contains("is a folder"));
		assertTrue(refusal(Files.createFile(tmp.resolve("zero.jpg"))).contains("is empty"));
		assertTrue(refusal(Files.writeString(tmp.resolve("notes.png"), "just words")).contains("not a PNG image (it " +
			"starts with text)"));
		Path tif = tmp.resolve("grey.tif");
		IJ.saveAsTiff(new ImagePlus("grey", new ByteProcessor(8, 8)), tif.toString());
		Path png = tmp.resolve("grey.png");
		Files.copy(tif, png); // a TIFF named .png is an image all the same: ImageJ reads it by its content
		ImageFileCheck.check(png);
		Files.write(tmp.resolve("bytes.jpg"), new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8 });
		assertTrue(refusal(tmp.resolve("bytes.jpg")).contains("not a JPEG image (it starts with the bytes 00 01"));
		assertTrue(refusal(tmp.resolve("absent.png")).contains("no such image file"));
	}
}
