package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;

/** Scaled dot-product attention batched over heads, as the reference computes it (softmax(scale Q K^T) V). */
public final class MultiHeadAttention {
	private MultiHeadAttention() {}

	/** Result of one attention: the output [B, Tq, H*D] and, when asked for, the probabilities [B*H, Tq, Tk]. */
	public record Result(NDArray output, NDArray probs) {}

	/**
	 * @param q [B, Tq, H*D] @param k [B, Tk, H*D] @param v [B, Tk, H*D]
	 * @param mask additive mask broadcastable to [B, H, Tq, Tk], or null
	 * @param keepProbs whether to return the probabilities (batch-major rows b*H + h)
	 */
	public static Result attend(NDArray q, NDArray k, NDArray v, int heads, float scale, NDArray mask,
		boolean keepProbs)
	{
		long b = q.getShape().get(0), tq = q.getShape().get(1), tk = k.getShape().get(1);
		long d = q.getShape().get(2) / heads;
		NDArray qh = q.reshape(b, tq, heads, d).transpose(0, 2, 1, 3);
		NDArray kh = k.reshape(b, tk, heads, d).transpose(0, 2, 3, 1);
		NDArray vh = v.reshape(b, tk, heads, d).transpose(0, 2, 1, 3);
		NDArray scores = qh.matMul(kh).muli(scale);
		if (mask != null) scores = scores.add(mask);
		NDArray probs = scores.softmax(-1);
		NDArray out = probs.matMul(vh).transpose(0, 2, 1, 3).reshape(b, tq, heads * d);
		return new Result(out, keepProbs ? probs.reshape(b * heads, tq, tk) : null);
	}
}
