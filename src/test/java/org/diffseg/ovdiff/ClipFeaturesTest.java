package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.nn.Resize;
import org.diffseg.TinyModel;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ImageNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ClipFeaturesTest {
	@RegisterExtension
	static final TinyModel<ClipModel> clip = TinyModel.clip();
	static final Path DENSE = Path.of("models/tiny-vit/reference/clip_dense.safetensors");

	static NDArray load(NDManager m, Path file, String name) throws IOException {
		try (SafeTensors st = SafeTensors.open(file)) {
			return st.load(m, name, DataType.FLOAT32);
		}
	}

	/** The README's rule: max|a - e| <= bound * max|e|. */
	static void assertRelative(NDArray actual, NDArray expected, double bound, String what) {
		assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), what + " shape");
		float[] a = actual.toFloatArray(), e = expected.toFloatArray();
		double diff = 0, ref = 0;
		for (int i = 0; i < a.length; i++) {
			diff = Math.max(diff, Double.isNaN(a[i]) ? Double.POSITIVE_INFINITY : Math.abs((double) a[i] - e[i]));
			ref = Math.max(ref, Math.abs(e[i]));
		}
		assertTrue(diff <= bound * ref, what + ": relative error " + diff / ref + " > " + bound);
	}

	/**
	 * OVDiff's [R, C, heads * d] features with channel d * heads + h, as [heads * d, R, C] with channel h * d_head + d
	 * (the README's documented permutation).
	 */
	static NDArray headMajor(NDArray ovdiff, int heads) {
		long r = ovdiff.getShape().get(0), c = ovdiff.getShape().get(1), dim = ovdiff.getShape().get(2);
		return ovdiff.reshape(r, c, dim / heads, heads).transpose(3, 2, 0, 1).reshape(dim, r, c);
	}

	@Test
	void sq64MatchesOvdiffFeatures() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			ClipFeatures f = new ClipFeatures(clip.get(), clip.identity(), 64); // 2x the native 32, as 448 is for 224
			NDArray out = f.extract(load(m, DENSE, "sq64.image_float"));
			assertEquals(new Shape(32, 8, 8), out.getShape());
			assertEquals(DataType.FLOAT32, out.getDataType());
			assertSame(m, out.getManager());
			assertRelative(out, headMajor(load(m, DENSE, "sq64.ovdiff_features"), clip.get().vision.config.heads()), 1e-4,
				"sq64 ovdiff_features");
		}
	}

	@Test
	void anyInputIsResizedToTheSquareWindowBeforeTheKeys() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = m.randomUniform(0, 1, new Shape(1, 3, 50, 70));
			ClipFeatures f = new ClipFeatures(clip.get(), clip.identity(), 64);
			NDArray out = f.extract(image);
			assertEquals(new Shape(32, 8, 8), out.getShape());
			// by hand: torch bilinear to 64 x 64, ImageNet statistics, keys of layer -2 as [D, R, C]
			NDArray pixels = ImageNormalization.IMAGENET.apply(Resize.resize(image, 64, 64, Resize.Mode.BILINEAR));
			NDArray keys = clip.get().vision.denseKeys(pixels, -2).squeeze(0).transpose(2, 0, 1);
			assertArrayEquals(keys.toFloatArray(), out.toFloatArray(), "same preprocessed tensor, same keys");
			assertArrayEquals(out.toFloatArray(), f.extract(image).toFloatArray(), "deterministic");
			assertEquals(new Shape(32, 12, 12), new ClipFeatures(clip.get(), clip.identity(), 96).extract(image).getShape());
			assertEquals(1, clip.get().vision.ovdiffKeyLayer(), "second-to-last of 3 layers");
		}
	}

	@Test
	void idNamesModelLayerAndInputSize() throws Exception {
		ClipFeatures f = new ClipFeatures(clip.get(), clip.identity());
		assertEquals(32, f.channels());
		assertTrue(f.id().contains(clip.identity()) && f.id().contains("layer=1") && f.id().contains("448x448"), f.id());
		assertNotEquals(f.id(), new ClipFeatures(clip.get(), clip.identity(), 64).id());
		assertEquals(clip.identity(), ModelFolderIdentity.of(clip.folder()), "stable");
		assertNotEquals(clip.identity(), ModelFolderIdentity.of(Path.of("models/tiny-vit/tiny-dino")));
		assertEquals(64, clip.identity().length());
	}

	@Test
	void badInputsGiveClearErrors() {
		try (NDManager m = NDManager.newBaseManager()) {
			ClipFeatures f = new ClipFeatures(clip.get(), clip.identity(), 64);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> f.extract(m.zeros(new Shape(1, 1, 64, 64))));
			assertTrue(e.getMessage().contains("RGB"), e.getMessage());
			assertThrows(IllegalArgumentException.class, () -> new ClipFeatures(clip.get(), clip.identity(), 4));
			assertThrows(IllegalArgumentException.class, () -> new ClipFeatures(clip.get(), " "));
			IOException io = assertThrows(IOException.class, () -> ModelFolderIdentity.of(Path.of("models/tiny-vit")));
			assertTrue(io.getMessage().contains("config.json"), io.getMessage());
		}
	}
}
