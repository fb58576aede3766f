package org.diffseg.sd;

import static org.diffseg.sd.Reference.assertClose;
import static org.diffseg.sd.Reference.load;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Map;

import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UNet2DConditionTest {
	static NDManager m;
	static SafeTensors weights;
	static WeightStore store;
	static UNet2DCondition unet;

	@BeforeAll
	static void loadModel() throws Exception {
		m = NDManager.newBaseManager();
		weights = SafeTensors.open(Reference.TINY_SD.resolve("unet/diffusion_pytorch_model.safetensors"));
		store = new WeightStore("unet", WeightSources.of(weights), m, Device.cpu(), DataType.FLOAT32);
		unet = new UNet2DCondition(store.scope(""),
			UNet2DCondition.Config.from(Json.read(Reference.TINY_SD.resolve("unet/config.json"))));
		store.finish();
	}

	@AfterAll
	static void close() throws Exception {
		store.close();
		weights.close();
		m.close();
	}

	NDArray predict(String timestep) throws Exception {
		String f = "unet.safetensors";
		return unet.forward(load(m, f, "sample"), loadRaw(f, timestep), load(m, f, "encoder_hidden_states"), null, null);
	}

	static NDArray loadRaw(String file, String name) throws Exception {
		try (SafeTensors st = SafeTensors.open(Reference.REF.resolve(file))) {
			return st.load(m, name, null);
		}
	}

	@Test
	void noisePredictionsMatchForEveryTimestepForm() throws Exception {
		String f = "unet.safetensors";
		assertClose(predict("timestep_999"), load(m, f, "noise_pred_t999"), 1e-4, "t999");
		assertClose(predict("timestep_250"), load(m, f, "noise_pred_t250"), 1e-4, "t250");
		assertClose(predict("timestep_250_float"), load(m, f, "noise_pred_t250_float"), 1e-4, "t250 float");
		assertClose(predict("timesteps_mixed"), load(m, f, "noise_pred_mixed"), 1e-4, "mixed");
		assertClose(predict("timestep_500_5"), load(m, f, "noise_pred_t500_5"), 1e-4, "t500.5");
	}

	@Test
	void intermediatesAndAttentionMatch() throws Exception {
		String f = "unet.safetensors";
		Map<String, NDArray> taps = new java.util.LinkedHashMap<>();
		try (AttentionRecorder rec = AttentionRecorder.all(m)) {
			unet.forward(load(m, f, "sample"), loadRaw(f, "timestep_999"), load(m, f, "encoder_hidden_states"), rec, taps);
			try (SafeTensors dbg = SafeTensors.open(Reference.REF.resolve("unet_debug_t999.safetensors"))) {
				assertEquals(dbg.tensors().keySet(), taps.keySet());
				for (String k : dbg.tensors().keySet()) assertClose(taps.get(k), load(m, "unet_debug_t999.safetensors", k), 1e-4, k);
			}
			try (SafeTensors p = SafeTensors.open(Reference.REF.resolve("cross_attention_probs.safetensors"));
				SafeTensors q = SafeTensors.open(Reference.REF.resolve("cross_attention_queries.safetensors")))
			{
				assertEquals(p.tensors().keySet(), rec.probs.keySet());
				assertEquals(q.tensors().keySet(), rec.queries.keySet());
				for (String k : p.tensors().keySet()) {
					assertClose(rec.probs.get(k), load(m, "cross_attention_probs.safetensors", k), 1e-4, "probs " + k);
					assertClose(rec.queries.get(k), load(m, "cross_attention_queries.safetensors", k), 1e-4, "query " + k);
				}
			}
		}
	}
}
