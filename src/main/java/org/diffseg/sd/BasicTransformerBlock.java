package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * diffusers' BasicTransformerBlock (layer_norm type): self-attention (attn1), cross-attention to the text (attn2),
 * GEGLU feed-forward, each pre-normed and residual.
 */
public final class BasicTransformerBlock {
	final Norms.LayerNorm norm1, norm2, norm3;
	final Attention attn1, attn2;
	final LinearLayer geglu, ffOut;

	public BasicTransformerBlock(WeightStore.Scope p, int dim, int heads, int headDim, int crossDim,
		boolean onlyCross, boolean upcast, float eps)
	{
		norm1 = new Norms.LayerNorm(p.scope("norm1"), dim, eps);
		attn1 = new Attention(p.scope("attn1"), dim, onlyCross ? crossDim : dim, heads, headDim, upcast);
		norm2 = new Norms.LayerNorm(p.scope("norm2"), dim, eps);
		attn2 = new Attention(p.scope("attn2"), dim, crossDim, heads, headDim, upcast);
		norm3 = new Norms.LayerNorm(p.scope("norm3"), dim, eps);
		int inner = 4 * dim;
		geglu = new LinearLayer(p.scope("ff.net.0.proj"), dim, 2 * inner, true);
		ffOut = new LinearLayer(p.scope("ff.net.2"), inner, dim, true);
		this.onlyCross = onlyCross;
	}

	final boolean onlyCross;

	public NDArray forward(NDArray x, NDArray context, AttentionTap tap, long height, long width) {
		NDArray a = org.diffseg.sd.nn.Scoped.apply(x,
			in -> attn1.forward(norm1.forward(in), onlyCross ? context : null, null, height, width).add(in));
		NDArray b = org.diffseg.sd.nn.Scoped.apply(a, in -> attn2.forward(norm2.forward(in), context, tap, height, width)
			.add(in));
		a.close();
		NDArray c = org.diffseg.sd.nn.Scoped.apply(b, this::feedForward);
		b.close();
		return c;
	}

	private NDArray feedForward(NDArray x) {
		NDArray normed = norm3.forward(x);
		NDArray proj = geglu.forward(normed);
		normed.close();
		NDList halves = proj.split(2, proj.getShape().dimension() - 1);
		NDArray gate = Activations.gelu(halves.get(1));
		NDArray gated = halves.get(0).mul(gate);
		gate.close();
		halves.close();
		proj.close();
		NDArray ff = ffOut.forward(gated);
		gated.close();
		NDArray out = ff.add(x);
		ff.close();
		return out;
	}
}
