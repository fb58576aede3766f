package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.diffseg.sd.ClipTextModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClipModelTest {
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
	void textTowerAndProjectionMatch() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray ids = load(m, "clip_text", "input_ids");
			ClipTextModel.Output out = clip.text.forward(ids, false);
			assertRelative(out.lastHiddenState(), load(m, "clip_text", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertRelative(out.pooled(), load(m, "clip_text", "pooler_output"), 1e-4, "pooler_output");
			NDArray embeds = clip.textEmbeds(ids);
			NDArray expected = load(m, "clip_text", "text_embeds");
			assertRelative(embeds, expected, 1e-4, "text_embeds");
			assertRelative(ClipModel.normalize(embeds), load(m, "clip_text", "text_embeds_normalized"), 1e-4,
				"text_embeds_normalized");
			// openai's zero-padded ids pool at the same (argmax) position and see the same causal prefix.
			assertRelative(clip.textEmbeds(load(m, "clip_text", "openai_input_ids")), expected, 1e-4,
				"text_embeds from openai_input_ids");
		}
	}

	@Test
	void logitsAndProbabilitiesMatch() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = clip.imageEmbeds(load(m, "clip_vision", "pixel_values"));
			NDArray text = clip.textEmbeds(load(m, "clip_text", "input_ids"));
			ClipModel.Similarity s = clip.similarity(image, text);
			assertRelative(clip.logitScale(), load(m, "clip_logits", "logit_scale"), 0, "logit_scale");
			assertRelative(clip.logitScale().exp(), load(m, "clip_logits", "logit_scale_exp"), 1e-4, "logit_scale_exp");
			assertRelative(s.cosine(), load(m, "clip_logits", "cosine_similarity"), 1e-4, "cosine_similarity");
			assertRelative(s.logitsPerImage(), load(m, "clip_logits", "logits_per_image"), 1e-4, "logits_per_image");
			assertRelative(s.logitsPerText(), load(m, "clip_logits", "logits_per_text"), 1e-4, "logits_per_text");
			assertRelative(s.probs(), load(m, "clip_logits", "probs_per_image"), 1e-4, "probs_per_image");
			assertEquals(0, s.probs().argMax(-1).getLong(0), "'a cat' wins (probability 0.87)");
		}
	}

	@Test
	void configSectionsMergeTheirDictOverrides() throws Exception {
		assertEquals(24, clip.projectionDim);
		assertEquals(8, clip.vision.config.patchSize());
		assertEquals("quick_gelu", clip.vision.config.act());
		assertEquals(3, clip.text.config.layers());
	}
}
