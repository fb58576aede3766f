package org.diffseg.sd;

import ai.djl.ndarray.NDArray;

/**
 * Receives what a UNet forward computes in its cross-attention ({@code attn2}) layers, named by diffusers module
 * path (e.g. {@code up_blocks.1.attentions.0.transformer_blocks.0.attn2}). Only layers the tap {@link #wants} are
 * reported; arrays belong to the forward's temporary scope: attach or reduce what you keep before returning.
 */
public interface AttentionTap {

	/** Whether to report this layer (probabilities are only materialised for reported layers' callers). */
	boolean wants(String layerPath);

	/**
	 * @param probs attention probabilities [B*heads, queries, tokens], batch-major (row b*heads + h)
	 * @param query the to_q output [B, queries, heads*headDim]
	 * @param height feature-map height of this layer (query index = y * width + x)
	 */
	void record(String layerPath, NDArray probs, NDArray query, int heads, long height, long width);
}
