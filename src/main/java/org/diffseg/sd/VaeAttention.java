package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.MultiHeadAttention;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * The VAE mid-block self-attention: GroupNorm, one head over all channels, residual. Accepts the legacy weight
 * names of the original SD checkpoints ({@code query/key/value/proj_attn}) and the current ones
 * ({@code to_q/to_k/to_v/to_out.0}).
 */
public final class VaeAttention {
	final Norms.GroupNorm norm;
	final LinearLayer q, k, v, out;
	final int channels;

	public VaeAttention(WeightStore.Scope p, int channels, int groups, float eps) {
		this.channels = channels;
		WeightStore s = p.store();
		for (String[] pair : new String[][] { { "to_q", "query" }, { "to_k", "key" }, { "to_v", "value" },
			{ "to_out.0", "proj_attn" } })
		{
			for (String suffix : new String[] { ".weight", ".bias" })
				s.alias(p.full(pair[0] + suffix), p.full(pair[1] + suffix));
		}
		norm = new Norms.GroupNorm(p.scope("group_norm"), groups, channels, eps);
		q = new LinearLayer(p.scope("to_q"), channels, channels, true);
		k = new LinearLayer(p.scope("to_k"), channels, channels, true);
		v = new LinearLayer(p.scope("to_v"), channels, channels, true);
		out = new LinearLayer(p.scope("to_out.0"), channels, channels, true);
	}

	public NDArray forward(NDArray x) {
		return org.diffseg.sd.nn.Scoped.apply(x, this::compute);
	}

	private NDArray compute(NDArray x) {
		Shape s = x.getShape();
		long b = s.get(0), hw = s.get(2) * s.get(3);
		NDArray h = norm.forward(x).reshape(b, channels, hw).transpose(0, 2, 1);
		float scale = (float) Math.pow(channels, -0.5);
		NDArray a = MultiHeadAttention.attend(q.forward(h), k.forward(h), v.forward(h), 1, scale, null, false).output();
		NDArray o = out.forward(a).transpose(0, 2, 1).reshape(s);
		return o.add(x);
	}
}
