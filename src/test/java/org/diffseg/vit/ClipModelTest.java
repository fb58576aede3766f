package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.diffseg.sd.ClipTextModel;
import org.diffseg.vit.PositionEmbeddingInterpolation.GridOrder;
import org.diffseg.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CLIP against the transformers reference: the text and vision towers, the projections and the logits. */
class ClipModelTest {
	@RegisterExtension
	static final TinyModel<ClipModel> clip = TinyModel.clip();

	@Test
	void textTowerAndProjectionMatch() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray ids = load(m, "clip_text", "input_ids");
			ClipTextModel.Output out = clip.get().text.forward(ids, false);
			assertRelative(out.lastHiddenState(), load(m, "clip_text", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertRelative(out.pooled(), load(m, "clip_text", "pooler_output"), 1e-4, "pooler_output");
			NDArray embeds = clip.get().textEmbeds(ids);
			NDArray expected = load(m, "clip_text", "text_embeds");
			assertRelative(embeds, expected, 1e-4, "text_embeds");
			assertRelative(ClipModel.normalize(embeds), load(m, "clip_text", "text_embeds_normalized"), 1e-4,
				"text_embeds_normalized");
			// openai's zero-padded ids pool at the same (argmax) position and see the same causal prefix.
			assertRelative(clip.get().textEmbeds(load(m, "clip_text", "openai_input_ids")), expected, 1e-4,
				"text_embeds from openai_input_ids");
		}
	}

	@Test
	void logitsAndProbabilitiesMatch() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = clip.get().imageEmbeds(load(m, "clip_vision", "pixel_values"));
			NDArray text = clip.get().textEmbeds(load(m, "clip_text", "input_ids"));
			ClipModel.Similarity s = clip.get().similarity(image, text);
			assertRelative(clip.get().logitScale(), load(m, "clip_logits", "logit_scale"), 0, "logit_scale");
			assertRelative(clip.get().logitScale().exp(), load(m, "clip_logits", "logit_scale_exp"), 1e-4, "logit_scale_exp");
			assertRelative(s.cosine(), load(m, "clip_logits", "cosine_similarity"), 1e-4, "cosine_similarity");
			assertRelative(s.logitsPerImage(), load(m, "clip_logits", "logits_per_image"), 1e-4, "logits_per_image");
			assertRelative(s.logitsPerText(), load(m, "clip_logits", "logits_per_text"), 1e-4, "logits_per_text");
			assertRelative(s.probs(), load(m, "clip_logits", "probs_per_image"), 1e-4, "probs_per_image");
			assertEquals(0, s.probs().argMax(-1).getLong(0), "'a cat' wins (probability 0.87)");
		}
	}

	@Test
	void configSectionsMergeTheirDictOverrides() throws Exception {
		assertEquals(24, clip.get().projectionDim);
		assertEquals(8, clip.get().vision.config.patchSize());
		assertEquals("quick_gelu", clip.get().vision.config.act());
		assertEquals(3, clip.get().text.config.layers());
	}

	@Test
	void nativeForwardMatchesEveryTensor() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = load(m, "clip_vision", "pixel_values");
			VisionTransformer.Output out = clip.get().vision.forward(x, true, -2, GridOrder.ROW_COLUMN);
			assertEquals(4, out.rows());
			assertRelative(out.embeddings(), load(m, "clip_vision", "embeddings"), 1e-4, "embeddings");
			NDArray hs = load(m, "clip_vision", "hidden_states");
			assertEquals(4, out.hiddenStates().size());
			for (int i = 0; i < 4; i++) assertRelative(out.hiddenStates().get(i), hs.get(i), 1e-4, "hidden_states " + i);
			assertRelative(out.lastHiddenState(), load(m, "clip_vision", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertRelative(out.pooled(), load(m, "clip_vision", "pooler_output"), 1e-4, "pooler_output");
			assertRelative(out.keys(), load(m, "clip_vision", "keys_layer_m2"), 1e-4, "keys_layer_m2");
			NDArray embeds = clip.get().imageEmbeds(x);
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
			NDArray quirk = clip.get().vision.denseKeys(x, -2, GridOrder.OVDIFF_TRANSPOSED);
			double[] e = errors(quirk, clip.get().vision.denseKeys(x, -2));
			assertTrue(e[1] > 1e-2, "transposed grid should change the keys, relative difference " + e[1]);
		}
	}

	private void denseCase(NDManager m, String input, String prefix, GridOrder order) throws Exception {
		NDArray x = load(m, "clip_dense", input + ".pixel_values");
		VisionTransformer.Output out = clip.get().vision.forward(x, false, -2, order);
		assertRelative(out.embeddings(), load(m, "clip_dense", prefix + ".embeddings"), 1e-4, prefix + ".embeddings");
		assertRelative(out.positionEmbedding(), load(m, "clip_dense", prefix + ".position_embedding"), 1e-4,
			prefix + ".position_embedding");
		assertRelative(out.lastHiddenState(), load(m, "clip_dense", prefix + ".last_hidden_state"), 1e-4,
			prefix + ".last_hidden_state");
		assertRelative(out.keys(), load(m, "clip_dense", prefix + ".keys_layer_m2"), 1e-4, prefix + ".keys_layer_m2");
		NDArray dense = clip.get().vision.denseKeys(x.squeeze(0), clip.get().vision.ovdiffKeyLayer(), order);
		assertRelative(VitReferenceCheck.headMinor(dense, clip.get().vision.config.heads()),
			load(m, "clip_dense", prefix + ".ovdiff_features"), 1e-4, prefix + ".ovdiff_features");
	}
}
