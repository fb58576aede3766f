package org.diffseg.sd;

import static org.diffseg.sd.Reference.assertClose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.Device;

import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;
import org.junit.jupiter.api.Test;

class ClipTextModelTest {
	@Test
	void matchesReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager();
			SafeTensors w = SafeTensors.open(Reference.TINY_SD.resolve("text_encoder/model.safetensors"));
			WeightStore store = new WeightStore("text_encoder", WeightSources.of(w), m, Device.cpu(), DataType.FLOAT32))
		{
			ClipTextModel model = new ClipTextModel(store.scope("text_model"),
				ClipTextModel.Config.from(Json.read(Reference.TINY_SD.resolve("text_encoder/config.json"))));
			store.finish();
			NDArray ids = Reference.load(m, "text_encoder.safetensors", "input_ids");
			ClipTextModel.Output out = model.forward(ids, true);
			assertClose(out.lastHiddenState(), Reference.load(m, "text_encoder.safetensors", "last_hidden_state"), 1e-4, "last_hidden_state");
			assertClose(out.pooled(), Reference.load(m, "text_encoder.safetensors", "pooler_output"), 1e-4, "pooler_output");
			NDArray hs = Reference.load(m, "text_encoder.safetensors", "hidden_states");
			for (int i = 0; i < 5; i++) assertClose(out.hiddenStates().get(i), hs.get(i), 1e-4, "hidden_states " + i);
		}
	}
}
