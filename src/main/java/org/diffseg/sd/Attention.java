package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.MultiHeadAttention;
import org.diffseg.sd.nn.WeightStore;

/** diffusers' Attention as used in the UNet's transformer blocks (no q/k/v bias, output projection with bias). */
public final class Attention {
	final LinearLayer q, k, v, out;
	final int heads, headDim;
	final boolean upcast;
	final String path;

	/** @param contextDim key/value input width (query width for self-attention) */
	public Attention(WeightStore.Scope p, int queryDim, int contextDim, int heads, int headDim, boolean upcast) {
		this.heads = heads;
		this.headDim = headDim;
		this.upcast = upcast;
		this.path = p.prefix();
		int inner = heads * headDim;
		q = new LinearLayer(p.scope("to_q"), queryDim, inner, false);
		k = new LinearLayer(p.scope("to_k"), contextDim, inner, false);
		v = new LinearLayer(p.scope("to_v"), contextDim, inner, false);
		out = new LinearLayer(p.scope("to_out.0"), inner, queryDim, true);
	}

	/**
	 * @param x [B, T, queryDim]; @param context [B, Tk, contextDim] or null for self-attention
	 * @param tap reports this layer's probabilities and queries when it wants them (may be null)
	 */
	public NDArray forward(NDArray x, NDArray context, AttentionTap tap, long height, long width) {
		NDArray ctx = context == null ? x : context;
		NDArray query = q.forward(x), key = k.forward(ctx), value = v.forward(ctx);
		boolean report = tap != null && tap.wants(path);
		DataType type = query.getDataType();
		if (upcast && type != DataType.FLOAT32) {
			query = query.toType(DataType.FLOAT32, false);
			key = key.toType(DataType.FLOAT32, false);
			value = value.toType(DataType.FLOAT32, false);
		}
		MultiHeadAttention.Result r = MultiHeadAttention.attend(query, key, value, heads,
			(float) Math.pow(headDim, -0.5), null, report);
		if (report) tap.record(path, r.probs(), query, heads, height, width);
		NDArray o = r.output();
		if (o.getDataType() != type) o = o.toType(type, false);
		return out.forward(o);
	}
}
