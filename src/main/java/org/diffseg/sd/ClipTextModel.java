package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.EncoderSizes;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * transformers' CLIPTextModel: token + position embeddings, causal pre-LN transformer, final LayerNorm, pooled
 * output at the end-of-text position. No padding mask (the SD pipeline passes none).
 */
public final class ClipTextModel {

	/** The config.json fields that shape the network. */
	public record Config(int hidden, int layers, int heads, int intermediate, String act, float eps, int maxPositions,
		int vocab, int eosTokenId)
	{
		/**
		 * Reads and checks a CLIPTextConfig (text_encoder/config.json, or the text_config of a CLIPModel) before
		 * anything is allocated: the encoder's {@link EncoderSizes}, then the required vocabulary and positions,
		 * bounded by {@link ConfigLimits}.
		 */
		public static Config from(Json c) throws ConfigException {
			EncoderSizes sizes = EncoderSizes.read(c);
			int positions = c.integer("max_position_embeddings", 1, ConfigLimits.MAX_POSITIONS);
			int vocab = c.integer("vocab_size", 1, ConfigLimits.MAX_VOCAB);
			String act = org.diffseg.sd.nn.Activations.read(c, "quick_gelu");
			return new Config(sizes.hidden(), sizes.layers(), sizes.heads(), sizes.intermediate(), act,
				(float) c.number("layer_norm_eps", 1e-5, 0, 1), positions, vocab, c.integer("eos_token_id", 2, 0, vocab - 1));
		}
	}

	/** Outputs; {@code hiddenStates} (embeddings, then each layer's output) only when asked for. */
	public record Output(NDArray lastHiddenState, NDArray pooled, List<NDArray> hiddenStates) {}

	public final Config config;
	final NDArray tokenEmbedding, positionEmbedding;
	final List<ClipEncoderLayer> layers = new ArrayList<>();
	final Norms.LayerNorm finalNorm;

	/** @param p scope of the text model ({@code text_model} in CLIPTextModel and CLIPModel checkpoints) */
	public ClipTextModel(WeightStore.Scope p, Config c) {
		this.config = c;
		p.store().allowUnused(p.full("embeddings.position_ids"));
		tokenEmbedding = p.get("embeddings.token_embedding.weight", c.vocab(), c.hidden());
		positionEmbedding = p.get("embeddings.position_embedding.weight", c.maxPositions(), c.hidden());
		for (int i = 0; i < c.layers(); i++)
			layers.add(new ClipEncoderLayer(p.scope("encoder.layers." + i), c.hidden(), c.heads(), c.intermediate(),
				c.act(), c.eps()));
		finalNorm = new Norms.LayerNorm(p.scope("final_layer_norm"), c.hidden(), c.eps());
	}

	/** @param inputIds int64 [B, T], T <= max_position_embeddings */
	public Output forward(NDArray inputIds, boolean keepHiddenStates) {
		NDManager m = inputIds.getManager();
		long b = inputIds.getShape().get(0), t = inputIds.getShape().get(1);
		if (t > config.maxPositions()) throw new IllegalArgumentException("token sequence of length " + t +
			" is longer than the text encoder's " + config.maxPositions() + " positions");
		NDArray ids = inputIds.toType(DataType.INT64, false);
		NDArray x = tokenEmbedding.get(m, new NDIndex("{}", ids.flatten())).reshape(b, t, config.hidden());
		x = x.add(positionEmbedding.get(m, new NDIndex("0:" + t)));
		NDArray mask = causalMask(m, t, x.getDataType());
		List<NDArray> hidden = keepHiddenStates ? new ArrayList<>() : null;
		if (hidden != null) hidden.add(x);
		for (ClipEncoderLayer layer : layers) {
			x = layer.forward(x, mask);
			if (hidden != null) hidden.add(x);
		}
		NDArray last = finalNorm.forward(x);
		return new Output(last, pool(last, ids), hidden);
	}

	/** Pooling position: argmax(ids) for the legacy eos_token_id 2 (49407 is the largest id), else the first eos. */
	NDArray pool(NDArray last, NDArray ids) {
		long[] flat = ids.toLongArray();
		long b = ids.getShape().get(0), t = ids.getShape().get(1);
		long[] rows = new long[(int) b];
		for (int i = 0; i < b; i++) {
			long best = 0;
			for (int j = 0; j < t; j++) {
				long id = flat[(int) (i * t + j)];
				if (config.eosTokenId() == 2) {
					if (id > flat[(int) (i * t + best)]) best = j;
				}
				else if (id == config.eosTokenId()) {
					best = j;
					break;
				}
			}
			rows[i] = i * t + best;
		}
		NDArray index = last.getManager().create(rows);
		return last.reshape(b * t, config.hidden()).get(new NDIndex("{}", index));
	}

	static NDArray causalMask(NDManager m, long t, DataType type) {
		float[] mask = new float[(int) (t * t)];
		for (int i = 0; i < t; i++)
			for (int j = i + 1; j < t; j++) mask[(int) (i * t + j)] = Float.NEGATIVE_INFINITY;
		return m.create(mask, new Shape(1, 1, t, t)).toType(type, false);
	}
}
