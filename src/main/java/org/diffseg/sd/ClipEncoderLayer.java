package org.diffseg.sd;

import ai.djl.ndarray.NDArray;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.MultiHeadAttention;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * One pre-LN CLIP transformer layer (transformers' CLIPEncoderLayer): x + attn(ln1(x)), then x + mlp(ln2(x)).
 * Shared by the CLIP text tower and the CLIP vision tower.
 */
public final class ClipEncoderLayer {
	final Norms.LayerNorm layerNorm1, layerNorm2;
	final LinearLayer q, k, v, out, fc1, fc2;
	final int heads;
	final String act;

	public ClipEncoderLayer(WeightStore.Scope p, int hidden, int heads, int intermediate, String act, float eps) {
		if (hidden % heads != 0) throw new IllegalArgumentException("hidden_size " + hidden +
			" is not divisible by num_attention_heads " + heads);
		Activations.check(act);
		this.heads = heads;
		this.act = act;
		layerNorm1 = new Norms.LayerNorm(p.scope("layer_norm1"), hidden, eps);
		layerNorm2 = new Norms.LayerNorm(p.scope("layer_norm2"), hidden, eps);
		WeightStore.Scope a = p.scope("self_attn");
		q = new LinearLayer(a.scope("q_proj"), hidden, hidden, true);
		k = new LinearLayer(a.scope("k_proj"), hidden, hidden, true);
		v = new LinearLayer(a.scope("v_proj"), hidden, hidden, true);
		out = new LinearLayer(a.scope("out_proj"), hidden, hidden, true);
		fc1 = new LinearLayer(p.scope("mlp").scope("fc1"), hidden, intermediate, true);
		fc2 = new LinearLayer(p.scope("mlp").scope("fc2"), intermediate, hidden, true);
	}

	/** The key projection of this layer's attention input (what OVDiff takes from CLIP ViTs). */
	public NDArray keys(NDArray x) {
		return k.forward(layerNorm1.forward(x));
	}

	public NDArray forward(NDArray x, NDArray mask) {
		NDArray h = layerNorm1.forward(x);
		float scale = (float) Math.pow(q.out / heads, -0.5);
		NDArray attn = MultiHeadAttention.attend(q.forward(h), k.forward(h), v.forward(h), heads, scale, mask, false)
			.output();
		x = x.add(out.forward(attn));
		NDArray m = fc2.forward(Activations.apply(act, fc1.forward(layerNorm2.forward(x))));
		return x.add(m);
	}
}
