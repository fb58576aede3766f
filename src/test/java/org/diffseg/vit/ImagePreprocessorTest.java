package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {

	@Test
	void clipStepsMatchThePillowReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			ImagePreprocessor p = ImagePreprocessor.read(CLIP.resolve("preprocessor_config.json"),
				ImagePreprocessor.Kind.VIT);
			assertEquals(ImagePreprocessor.Kind.CLIP, p.kind, "CLIPFeatureExtractor decides the kind");
			assertEquals(32, p.shortestEdge);
			assertEquals(PillowResize.Filter.BICUBIC, p.filter);
			Uint8Image image = image(m, "preprocess", "image_uint8");
			Uint8Image resized = p.resize(image);
			assertSameImage(image(m, "preprocess", "clip.resized_uint8"), resized, "resized (48x40 -> 38x32 bicubic)");
			Uint8Image cropped = p.centerCrop(resized);
			assertSameImage(image(m, "preprocess", "clip.cropped_uint8"), cropped, "centre crop");
			NDArray expected = load(m, "preprocess", "clip.pixel_values");
			assertAbsolute(p.pixelValues(m, cropped), expected, 1e-6, "clip.pixel_values");
			assertAbsolute(p.apply(m, image), expected, 1e-6, "clip.pixel_values, all steps");
		}
	}

	@Test
	void dinoStepsMatchThePillowReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			ImagePreprocessor p = ImagePreprocessor.read(DINO.resolve("preprocessor_config.json"),
				ImagePreprocessor.Kind.CLIP);
			assertEquals(ImagePreprocessor.Kind.VIT, p.kind);
			assertFalse(p.doCenterCrop, "ViT processors do not crop by default");
			Uint8Image image = image(m, "preprocess", "image_uint8");
			assertSameImage(image(m, "preprocess", "dino.resized_uint8"), p.resize(image), "resized to 32x32 bilinear");
			assertAbsolute(p.apply(m, image), load(m, "preprocess", "dino.pixel_values"), 1e-6, "dino.pixel_values");
		}
	}

	@Test
	void imageFloatAndImagenetNormalisationMatchOvdiffsInputs() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			for (String[] c : new String[][] { { "clip_dense", "sq64" }, { "clip_dense", "h48w64" }, { "dino", "h39w47" } }) {
				NDArray x = image(m, c[0], c[1] + ".image_uint8").toFloatNchw(m);
				assertAbsolute(x, load(m, c[0], c[1] + ".image_float"), 0, c[1] + ".image_float");
				assertAbsolute(ImageNormalization.IMAGENET.apply(x), load(m, c[0], c[1] + ".pixel_values"), 1e-6,
					c[1] + ".pixel_values");
			}
		}
	}

	@Test
	void greyAndRgbaImagesAreConvertedLikePil() {
		Uint8Image grey = new Uint8Image(1, 2, 1, new byte[] { 7, (byte) 200 });
		assertArrayEquals(new byte[] { 7, 7, 7, (byte) 200, (byte) 200, (byte) 200 }, grey.toRgb().data());
		Uint8Image rgba = new Uint8Image(1, 1, 4, new byte[] { 1, 2, 3, 4 });
		assertArrayEquals(new byte[] { 1, 2, 3 }, rgba.toRgb().data());
		assertThrows(IllegalArgumentException.class, () -> new Uint8Image(1, 1, 2, new byte[2]).toRgb());
	}

	@Test
	void shortestEdgeKeepsTheAspectRatioByTruncation(@TempDir Path dir) throws Exception {
		Path cfg = dir.resolve("preprocessor_config.json");
		Files.writeString(cfg, "{\"image_processor_type\": \"CLIPImageProcessor\", \"size\": {\"shortest_edge\": 10}, " +
			"\"crop_size\": {\"height\": 12, \"width\": 12}}");
		ImagePreprocessor p = ImagePreprocessor.read(cfg, ImagePreprocessor.Kind.VIT);
		Uint8Image tall = new Uint8Image(33, 7, 3, new byte[33 * 7 * 3]);
		Uint8Image r = p.resize(tall);
		assertEquals(10, r.width());
		assertEquals(47, r.height(), "int(10 * 33 / 7) = 47");
		// A crop larger than the image pads with zeros around it, as transformers does.
		Uint8Image small = new Uint8Image(2, 2, 3, new byte[] { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 });
		Uint8Image c = p.centerCrop(small);
		assertEquals(12, c.height());
		assertEquals(9, c.get(5, 5, 0));
		assertEquals(9, c.get(6, 6, 2));
		assertEquals(0, c.get(4, 5, 0));
		assertEquals(0, c.get(7, 6, 0));
	}

	@Test
	void unsupportedResampleNamesTheFix(@TempDir Path dir) throws Exception {
		Path cfg = dir.resolve("preprocessor_config.json");
		Files.writeString(cfg, "{\"feature_extractor_type\": \"ViTFeatureExtractor\", \"size\": 8, \"resample\": 1}");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ImagePreprocessor.read(cfg, ImagePreprocessor.Kind.VIT));
		assertTrue(e.getMessage().contains("resample"), e.getMessage());
	}
}
