package org.diffseg.vit;

import ai.djl.ndarray.NDArray;

/** One pre-LN transformer layer of a Vision Transformer (CLIP's CLIPEncoderLayer or HF's ViTLayer). */
interface EncoderLayer {
	/** The layer's output for tokens [B, T, D]. */
	NDArray forward(NDArray x);

	/** The key projection of the layer's attention input (after its first LayerNorm), bias included, unscaled, [B, T, D]. */
	NDArray keys(NDArray x);
}
