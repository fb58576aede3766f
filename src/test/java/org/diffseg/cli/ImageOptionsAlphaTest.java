package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 item 5: an image's alpha channel, which ImageJ drops when it opens a PNG, is never dropped in silence. */
class ImageOptionsAlphaTest {

	private static String notesFor(Path png) {
		ImageOptions options = new ImageOptions();
		options.image = png;
		StringWriter err = new StringWriter();
		options.open(new PrintWriter(err, true));
		return err.toString();
	}

	@Test
	void aPngWithAlphaIsMentionedOneWithoutIsNot(@TempDir Path dir) throws Exception {
		Path rgba = dir.resolve("rgba.png"), rgb = dir.resolve("rgb.png");
		ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_ARGB), "png", rgba.toFile());
		ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
		String withAlpha = notesFor(rgba);
		assertTrue(withAlpha.contains("rgba.png") && withAlpha.contains("alpha"), withAlpha);
		assertFalse(notesFor(rgb).contains("alpha"), notesFor(rgb));
	}
}
