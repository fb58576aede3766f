package org.diffseg.sd.differential;

import static org.diffseg.sd.differential.Harness.assertAllRead;
import static org.diffseg.sd.differential.Harness.assertClose;
import static org.diffseg.sd.differential.Harness.between;
import static org.diffseg.sd.differential.Harness.production;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.diffseg.sd.ClipTextModel;
import org.diffseg.sd.nn.Json;
import org.junit.jupiter.api.Test;

/**
 * CLIP text encoders of random small configurations (1-8 heads of any size, 1-3 layers, gelu or quick_gelu, legacy
 * argmax pooling or pooling at the first eos id) against {@link PlainModules#clipText}: every hidden state, the last
 * hidden state and the pooled output.
 */
class ClipTextDifferentialTest {

	@Test
	void randomTextEncodersMatchThePlainFormulation() throws Exception {
		SplittableRandom r = new SplittableRandom(401);
		for (int config = 0; config < 12; config++) {
			try (NDManager m = NDManager.newBaseManager()) {
				int heads = between(r, 1, 8), hidden = heads * between(r, 1, 8), layers = between(r, 1, 3);
				int intermediate = between(r, 1, 40), vocab = between(r, 8, 60), positions = between(r, 4, 20);
				String act = r.nextBoolean() ? "gelu" : "quick_gelu";
				int eos = r.nextBoolean() ? 2 : vocab - 1;
				JsonObject j = new JsonObject();
				j.addProperty("hidden_size", hidden);
				j.addProperty("num_hidden_layers", layers);
				j.addProperty("num_attention_heads", heads);
				j.addProperty("intermediate_size", intermediate);
				j.addProperty("hidden_act", act);
				j.addProperty("layer_norm_eps", 1e-5);
				j.addProperty("max_position_embeddings", positions);
				j.addProperty("vocab_size", vocab);
				j.addProperty("eos_token_id", eos);
				ClipTextModel.Config c = ClipTextModel.Config.from(Json.of(Path.of("text_encoder/config.json"), j));
				int batch = between(r, 1, 2), length = between(r, 1, positions);
				long[][] ids = new long[batch][length];
				for (long[] row : ids) {
					for (int i = 0; i < length; i++) row[i] = r.nextInt(vocab);
					if (r.nextBoolean()) row[between(r, 0, length - 1)] = vocab - 1; // an end-of-text token somewhere
				}
				String what = "CLIP text config " + config + " (" + batch + "x" + length + " tokens) " + j;
				var built = Harness.build(m, r.nextLong(), s -> new ClipTextModel(s.scope("text_model"), c));

				List<double[]> expected = new ArrayList<>();
				PlainModules.clipText(built.weights(), "text_model", new PlainModules.ClipSpec(hidden, layers, heads,
					intermediate, act, 1e-5, eos), ids, vocab, positions, expected);
				assertAllRead(built.weights(), what);

				ClipTextModel.Output out = production(what, () -> built.module().forward(m.create(ids), true));
				assertEquals(layers + 1, out.hiddenStates().size(), what + ": hidden states");
				for (int i = 0; i <= layers; i++)
					assertClose(out.hiddenStates().get(i), expected.get(i), null, what + ", hidden state " + i);
				assertClose(out.lastHiddenState(), expected.get(layers + 1), null, what + ", last hidden state");
				assertClose(out.pooled(), expected.get(layers + 2), new long[] { batch, hidden }, what + ", pooled");
			}
		}
	}
}
