package org.diffseg.ovdiff;

import static org.diffseg.ovdiff.ClipFeaturesTest.assertRelative;
import static org.diffseg.ovdiff.ClipFeaturesTest.headMajor;
import static org.diffseg.ovdiff.ClipFeaturesTest.load;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;

import org.diffseg.sd.nn.Resize;
import org.diffseg.TinyModel;
import org.diffseg.vit.ImageNormalization;
import org.diffseg.vit.ViTModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DinoFeaturesTest {
	@RegisterExtension
	static final TinyModel<ViTModel> dino = TinyModel.dino();
	static final Path REF = Path.of("models/tiny-vit/reference/dino.safetensors");

	@Test
	void smallInputsMatchOvdiffFeatures() throws Exception {
		DinoFeatures f = new DinoFeatures(dino.get(), dino.identity());
		try (NDManager m = NDManager.newBaseManager()) {
			// all at most 448 px: used as they are, non-square ones with row/column position interpolation
			for (String c : new String[] { "sq64", "h40w48", "h39w47" }) {
				NDArray expected = headMajor(load(m, REF, c + ".ovdiff_features"), dino.get().vision.config.heads());
				NDArray out = f.extract(load(m, REF, c + ".image_float"));
				assertEquals(DataType.FLOAT32, out.getDataType());
				assertRelative(out, expected, 1e-4, c + " ovdiff_features");
			}
		}
	}

	@Test
	void inputSizeFollowsTorchvisionWithMaxSize() {
		DinoFeatures f = new DinoFeatures(dino.get(), dino.identity());
		assertArrayEquals(new int[] { 400, 300 }, f.inputSize(400, 300), "both sides <= 448: unchanged");
		assertArrayEquals(new int[] { 448, 448 }, f.inputSize(448, 448));
		assertArrayEquals(new int[] { 448, 448 }, f.inputSize(512, 512), "a support image");
		assertArrayEquals(new int[] { 448, 600 }, f.inputSize(448, 600), "already at the shorter side");
		assertArrayEquals(new int[] { 597, 448 }, f.inputSize(500, 375), "int(448 * 500 / 375) = 597");
		assertArrayEquals(new int[] { 400, 800 }, f.inputSize(300, 600), "896 > 800: int(800 * 448 / 896) = 400");
		assertArrayEquals(new int[] { 800, 400 }, f.inputSize(600, 300));
		assertArrayEquals(new int[] { 448, 746 }, f.inputSize(300, 500), "one side above 448: the shorter one grows to 448");
		// shorterSide != 448 and the cap: 40 x 120 -> 48 x 144 -> int(80 * 48 / 144) = 26 x 80
		DinoFeatures small = new DinoFeatures(dino.get(), dino.identity(), 48, 80);
		assertArrayEquals(new int[] { 26, 80 }, small.inputSize(40, 120));
		assertArrayEquals(new int[] { 48, 76 }, small.inputSize(40, 64));
	}

	@Test
	void largeInputsAreResizedThenKeyed() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = m.randomUniform(0, 1, new Shape(1, 3, 40, 64));
			DinoFeatures f = new DinoFeatures(dino.get(), dino.identity(), 48, 80);
			NDArray out = f.extract(image);
			assertEquals(new Shape(32, 6, 9), out.getShape(), "48 x 76 px: 6 x 9 patches, 4 px left over");
			NDArray pixels = ImageNormalization.IMAGENET.apply(Resize.resize(image, 48, 76, Resize.Mode.BILINEAR));
			NDArray keys = dino.get().vision.denseKeys(pixels, -1).squeeze(0).transpose(2, 0, 1);
			assertArrayEquals(keys.toFloatArray(), out.toFloatArray(), "same preprocessed tensor, same keys");
			assertArrayEquals(out.toFloatArray(), f.extract(image).toFloatArray(), "deterministic");
		}
	}

	@Test
	void idAndErrors() {
		DinoFeatures f = new DinoFeatures(dino.get(), dino.identity());
		assertEquals(32, f.channels());
		assertTrue(f.id().contains(dino.identity()) && f.id().contains("layer=2") && f.id().contains("448"), f.id());
		assertNotEquals(f.id(), new DinoFeatures(dino.get(), dino.identity(), 48, 80).id());
		try (NDManager m = NDManager.newBaseManager()) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> f.extract(m.zeros(new Shape(1, 3, 5, 40))));
			assertTrue(e.getMessage().contains("patch"), e.getMessage());
			assertThrows(IllegalArgumentException.class, () -> f.extract(m.zeros(new Shape(3, 40, 40))));
		}
		assertThrows(IllegalArgumentException.class, () -> new DinoFeatures(dino.get(), dino.identity(), 448, 400));
		assertThrows(IllegalArgumentException.class, () -> new DinoFeatures(dino.get(), null));
	}
}
