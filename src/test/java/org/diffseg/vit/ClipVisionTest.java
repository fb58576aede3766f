package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.diffseg.vit.PositionEmbeddingInterpolation.GridOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClipVisionTest {
	static ClipModel clip;

	@BeforeAll
	static void loadModel() throws Exception {
		clip = ClipModel.load(CLIP, Device.cpu(), DataType.FLOAT32);
	}

	@AfterAll
	static void closeModel() {
		clip.close();
	}

	@Test
	void nativeForwardMatchesEveryTensor() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = load(m, "clip_vision", "pixel_values");
			VisionTransformer.Output out = clip.vision.forward(x, true, -2, GridOrder.ROW_COLUMN);
			assertEquals(4, out.rows());
			assertRelative(out.embeddings(), load(m, "clip_vision", "embeddings"), 1e-4, "embeddings");
			NDArray hs = load(m, "clip_vision", "hidden_states");
			assertEquals(4, out.hiddenStates().size());
			for (int i = 0; i < 4; i++) assertRelative(out.hiddenStates().get(i), hs.get(i), 1e-4, "hidden_states " + i);
			assertRelative(out.lastHiddenState(), load(m, "clip_vision", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertRelative(out.pooled(), load(m, "clip_vision", "pooler_output"), 1e-4, "pooler_output");
			assertRelative(out.keys(), load(m, "clip_vision", "keys_layer_m2"), 1e-4, "keys_layer_m2");
			NDArray embeds = clip.imageEmbeds(x);
			assertRelative(embeds, load(m, "clip_vision", "image_embeds"), 1e-4, "image_embeds");
			assertRelative(ClipModel.normalize(embeds), load(m, "clip_vision", "image_embeds_normalized"), 1e-4,
				"image_embeds_normalized");
		}
	}

	@Test
	void denseCasesMatchOvdiffFeatures() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			denseCase(m, "sq64", "sq64", GridOrder.ROW_COLUMN);
			denseCase(m, "h48w64", "h48w64.rowcol", GridOrder.ROW_COLUMN);
			// OVDiff's transposed grid, reproduced only behind the explicit option.
			denseCase(m, "h48w64", "h48w64.ovdiff", GridOrder.OVDIFF_TRANSPOSED);
		}
	}

	/** The rowcol and ovdiff references really differ: the option is not a no-op. */
	@Test
	void gridOrdersDifferOnNonSquareInputs() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = load(m, "clip_dense", "h48w64.pixel_values");
			NDArray quirk = clip.vision.denseKeys(x, -2, GridOrder.OVDIFF_TRANSPOSED);
			double[] e = errors(quirk, clip.vision.denseKeys(x, -2));
			assertTrue(e[1] > 1e-2, "transposed grid should change the keys, relative difference " + e[1]);
		}
	}

	private void denseCase(NDManager m, String input, String prefix, GridOrder order) throws Exception {
		NDArray x = load(m, "clip_dense", input + ".pixel_values");
		VisionTransformer.Output out = clip.vision.forward(x, false, -2, order);
		assertRelative(out.embeddings(), load(m, "clip_dense", prefix + ".embeddings"), 1e-4, prefix + ".embeddings");
		assertRelative(out.positionEmbedding(), load(m, "clip_dense", prefix + ".position_embedding"), 1e-4,
			prefix + ".position_embedding");
		assertRelative(out.lastHiddenState(), load(m, "clip_dense", prefix + ".last_hidden_state"), 1e-4,
			prefix + ".last_hidden_state");
		assertRelative(out.keys(), load(m, "clip_dense", prefix + ".keys_layer_m2"), 1e-4, prefix + ".keys_layer_m2");
		NDArray dense = clip.vision.denseKeys(x.squeeze(0), clip.vision.ovdiffKeyLayer(), order);
		assertRelative(VitReferenceCheck.headMinor(dense, clip.vision.config.heads()),
			load(m, "clip_dense", prefix + ".ovdiff_features"), 1e-4, prefix + ".ovdiff_features");
	}
}
