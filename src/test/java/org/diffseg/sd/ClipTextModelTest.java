package org.diffseg.sd;

import static org.diffseg.sd.Reference.assertClose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.Test;

class ClipTextModelTest {
	@Test
	void matchesReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); var loaded = Reference.tinyTextEncoder(m)) {
			ClipTextModel model = loaded.model();
			NDArray ids = Reference.load(m, "text_encoder.safetensors", "input_ids");
			ClipTextModel.Output out = model.forward(ids, true);
			assertClose(out.lastHiddenState(), Reference.load(m, "text_encoder.safetensors", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertClose(out.pooled(), Reference.load(m, "text_encoder.safetensors", "pooler_output"), 1e-4, "pooler_output");
			NDArray hs = Reference.load(m, "text_encoder.safetensors", "hidden_states");
			for (int i = 0; i < 5; i++) assertClose(out.hiddenStates().get(i), hs.get(i), 1e-4, "hidden_states " + i);
		}
	}
}
