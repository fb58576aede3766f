package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import ij.IJ;
import ij.ImagePlus;

/** The shipped sample photographs (models/samples, see LICENSES.md there) open in ImageJ as RGB of known size. */
class SampleImagesTest {

	@ParameterizedTest
	@CsvSource({ "chelsea.png, 451, 300", "coffee.png, 600, 400", "astronaut.png, 512, 512" })
	void opensAsRgbOfKnownSize(String name, int width, int height) throws Exception {
		Path path = Path.of("models/samples", name);
		assertTrue(Files.isRegularFile(path), path + " is missing");
		ImagePlus imp = IJ.openImage(path.toString());
		assertNotNull(imp, "ImageJ could not open " + path);
		assertEquals(ImagePlus.COLOR_RGB, imp.getType());
		assertEquals(width, imp.getWidth());
		assertEquals(height, imp.getHeight());
		assertEquals(1, imp.getStackSize());
		assertTrue(imp.getProcessor().getStatistics().stdDev > 10, "a photograph, not a blank image");
		assertTrue(Files.readString(Path.of("models/samples/LICENSES.md")).contains(name));
	}
}
