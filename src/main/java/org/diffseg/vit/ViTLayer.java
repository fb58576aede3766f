package org.diffseg.vit;

import ai.djl.ndarray.NDArray;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.MultiHeadAttention;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * transformers' ViTLayer (the DINO block under HF names): x + attention(layernorm_before(x)), then
 * x + output.dense(act(intermediate.dense(layernorm_after(x)))).
 */
final class ViTLayer implements EncoderLayer {
	private final Norms.LayerNorm before, after;
	private final LinearLayer query, key, value, attentionOut, intermediate, output;
	private final int heads;
	private final String act;

	ViTLayer(WeightStore.Scope p, VisionTransformer.Config c) {
		heads = c.heads();
		act = c.act();
		int d = c.hidden();
		before = new Norms.LayerNorm(p.scope("layernorm_before"), d, c.eps());
		after = new Norms.LayerNorm(p.scope("layernorm_after"), d, c.eps());
		WeightStore.Scope a = p.scope("attention");
		query = new LinearLayer(a.scope("attention.query"), d, d, c.qkvBias());
		key = new LinearLayer(a.scope("attention.key"), d, d, c.qkvBias());
		value = new LinearLayer(a.scope("attention.value"), d, d, c.qkvBias());
		attentionOut = new LinearLayer(a.scope("output.dense"), d, d, true);
		intermediate = new LinearLayer(p.scope("intermediate.dense"), d, c.intermediate(), true);
		output = new LinearLayer(p.scope("output.dense"), c.intermediate(), d, true);
	}

	@Override
	public NDArray keys(NDArray x) {
		return key.forward(before.forward(x));
	}

	@Override
	public NDArray forward(NDArray x) {
		NDArray h = before.forward(x);
		float scale = (float) Math.pow(query.out / heads, -0.5);
		NDArray attn = MultiHeadAttention.attend(query.forward(h), key.forward(h), value.forward(h), heads, scale, null,
			false).output();
		x = x.add(attentionOut.forward(attn));
		return x.add(output.forward(Activations.apply(act, intermediate.forward(after.forward(x)))));
	}
}
