package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.sd.ClipEncoderLayer;
import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.EncoderSizes;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.Scoped;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.vit.PositionEmbeddingInterpolation.GridOrder;

/**
 * A Vision Transformer in either Hugging Face layout: CLIP's vision tower (CLIPVisionTransformer: class embedding,
 * bias-free patch convolution, pre_layrnorm, CLIP layers, post_layernorm on the class token) or ViTModel (DINO:
 * cls_token, patch convolution with bias, ViT layers, final layernorm on every token). Inputs of any size: the patch
 * grid is floor(H / p) x floor(W / p) and the position table is resampled by {@link PositionEmbeddingInterpolation}.
 * Token sequences are [B, T, D] with token 0 = class, token 1 + r*C + c = patch row r, column c.
 */
public final class VisionTransformer {

	/** Which Hugging Face module tree the weights follow. */
	public enum Layout { CLIP, VIT }

	/** The config.json fields that shape the network. */
	public record Config(Layout layout, int hidden, int layers, int heads, int intermediate, String act, float eps,
		int imageSize, int patchSize, int channels, boolean qkvBias)
	{
		public Config {
			if (hidden % heads != 0) throw new IllegalArgumentException("hidden_size " + hidden +
				" is not divisible by num_attention_heads " + heads);
			if (imageSize % patchSize != 0) throw new IllegalArgumentException("image_size " + imageSize +
				" is not a multiple of patch_size " + patchSize);
			Activations.check(act);
		}

		/**
		 * CLIPVisionConfig ({@code vision_config} of a CLIPModel), checked before anything is allocated: the
		 * encoder's {@link EncoderSizes}, then the required image and patch sizes, bounded by {@link ConfigLimits}.
		 */
		public static Config clip(Json c) throws ConfigException {
			return read(Layout.CLIP, c, "quick_gelu", 1e-5, true);
		}

		/** ViTConfig, checked the same way (layer_norm_eps default 1e-12: DINO itself uses 1e-6, see the fixtures). */
		public static Config vit(Json c) throws ConfigException {
			return read(Layout.VIT, c, "gelu", 1e-12, c.bool("qkv_bias", true));
		}

		private static Config read(Layout layout, Json c, String defaultAct, double defaultEps, boolean qkvBias)
			throws ConfigException
		{
			EncoderSizes sizes = EncoderSizes.read(c);
			int imageSize = c.integer("image_size", 1, ConfigLimits.MAX_SAMPLE_SIZE);
			int patch = c.integer("patch_size", 1, imageSize);
			if (imageSize % patch != 0) throw c.invalid("patch_size", "a divisor of image_size " + imageSize);
			if (imageSize / patch > ConfigLimits.MAX_PATCH_GRID) throw c.invalid("patch_size", "at least image_size / " +
				ConfigLimits.MAX_PATCH_GRID + " (at most " + ConfigLimits.MAX_PATCH_GRID + " patches per side)");
			String act = Activations.read(c, defaultAct);
			return new Config(layout, sizes.hidden(), sizes.layers(), sizes.heads(), sizes.intermediate(), act,
				(float) c.number("layer_norm_eps", defaultEps, 0, 1), imageSize, patch,
				c.integer("num_channels", 3, 1, ConfigLimits.MAX_IO_CHANNELS), qkvBias);
		}

		/** Patches per side of the stored position table. */
		public int gridSize() {
			return imageSize / patchSize;
		}
	}

	/**
	 * Results of a forward pass, in the manager of the input.
	 *
	 * @param embeddings [class ; patches] + position table, [B, T, D] (before CLIP's pre_layrnorm)
	 * @param positionEmbedding the position table actually added, [T, D]
	 * @param hiddenStates when asked for: [0] = the input of layer 0 (CLIP: pre_layrnorm(embeddings); ViT: the
	 *        embeddings), [i] = output of layer i-1 (the HF hidden_states tuple)
	 * @param lastHiddenState CLIP: the last layer's output (no post_layernorm, as transformers); ViT: the final
	 *        layernorm of every token
	 * @param pooled CLIP: post_layernorm of the class token (pooler_output); ViT: lastHiddenState[:, 0] (DINO's output)
	 * @param keys when asked for: keys of the chosen layer, [B, T, D], heads concatenated (channel h * D/heads + d)
	 * @param rows patch grid rows R @param cols patch grid columns C
	 */
	public record Output(NDArray embeddings, NDArray positionEmbedding, List<NDArray> hiddenStates,
		NDArray lastHiddenState, NDArray pooled, NDArray keys, int rows, int cols) {}

	public final Config config;
	private final NDArray patchWeight, patchBias, classToken, positionTable;
	private final Norms.LayerNorm preNorm, finalNorm;
	private final List<EncoderLayer> layers = new ArrayList<>();

	/**
	 * @param p CLIP: the {@code vision_model} scope of a CLIPModel checkpoint; ViT: the root of a ViTModel checkpoint
	 */
	public VisionTransformer(WeightStore.Scope p, Config c) {
		this.config = c;
		int d = c.hidden(), k = c.patchSize(), n = c.gridSize() * c.gridSize();
		WeightStore.Scope e = p.scope("embeddings");
		p.store().allowUnused(e.full("position_ids"));
		if (c.layout() == Layout.CLIP) {
			classToken = e.get("class_embedding", d).reshape(1, 1, d);
			patchWeight = e.get("patch_embedding.weight", d, c.channels(), k, k);
			// CLIP's patch convolution has no bias; a zero bias keeps one convolution call for both layouts.
			patchBias = p.store().manager().zeros(new Shape(d), p.store().dtype());
			positionTable = e.get("position_embedding.weight", n + 1, d);
			preNorm = new Norms.LayerNorm(p.scope("pre_layrnorm"), d, c.eps());
			for (int i = 0; i < c.layers(); i++)
				layers.add(clipLayer(new ClipEncoderLayer(p.scope("encoder.layers." + i), d, c.heads(), c.intermediate(),
					c.act(), c.eps())));
			finalNorm = new Norms.LayerNorm(p.scope("post_layernorm"), d, c.eps());
		}
		else {
			// DINO checkpoints have neither; other ViTModel checkpoints may (the mask token is for pre-training).
			p.store().allowUnused(e.full("mask_token"));
			p.store().allowUnused(p.full("pooler.dense.weight"));
			p.store().allowUnused(p.full("pooler.dense.bias"));
			classToken = e.get("cls_token", 1, 1, d);
			patchWeight = e.get("patch_embeddings.projection.weight", d, c.channels(), k, k);
			patchBias = e.get("patch_embeddings.projection.bias", d);
			positionTable = e.get("position_embeddings", 1, n + 1, d).reshape(n + 1, d);
			preNorm = null;
			for (int i = 0; i < c.layers(); i++) layers.add(new ViTLayer(p.scope("encoder.layer." + i), c));
			finalNorm = new Norms.LayerNorm(p.scope("layernorm"), d, c.eps());
		}
	}

	private static EncoderLayer clipLayer(ClipEncoderLayer layer) {
		return new EncoderLayer() {
			@Override
			public NDArray forward(NDArray x) {
				return layer.forward(x, null);
			}

			@Override
			public NDArray keys(NDArray x) {
				return layer.keys(x);
			}
		};
	}

	/** Where the weights live; inputs are copied there, results are on it (in the manager of the input). */
	public Device device() {
		return positionTable.getDevice();
	}

	/** The layer OVDiff takes keys from: CLIP the second-to-last, DINO (ViT) the last. */
	public int ovdiffKeyLayer() {
		return config.layout() == Layout.CLIP ? config.layers() - 2 : config.layers() - 1;
	}

	/** Forward with the geometrically correct position grid, no hidden states, no keys. */
	public Output forward(NDArray pixelValues) {
		return forward(pixelValues, false, null, GridOrder.ROW_COLUMN);
	}

	/**
	 * @param pixelValues normalised images [B, channels, H, W], H and W at least the patch size (leftover pixels
	 *        beyond the last full patch are ignored, as the stride-p convolution does)
	 * @param keyLayer layer whose keys to return (negative counts from the end: -1 = last), or null
	 */
	public Output forward(NDArray pixelValues, boolean keepHiddenStates, Integer keyLayer, GridOrder order) {
		int keyAt = keyLayer == null ? -1 : layerIndex(keyLayer);
		NDManager parent = pixelValues.getManager();
		try (NDManager scope = parent.newSubManager(device())) {
			Embedded e = embed(pixelValues, order, scope);
			List<NDArray> hidden = keepHiddenStates ? new ArrayList<>() : null;
			NDArray x = preNorm == null ? e.tokens : preNorm.forward(e.tokens);
			NDArray keys = null;
			for (int i = 0; i < layers.size(); i++) {
				if (hidden != null) hidden.add(x);
				EncoderLayer layer = layers.get(i);
				if (i == keyAt) keys = Scoped.apply(x, layer::keys);
				NDArray next = Scoped.apply(x, layer::forward);
				if (hidden == null && x != e.tokens) x.close();
				x = next;
			}
			if (hidden != null) hidden.add(x);
			NDArray last, pooled;
			if (config.layout() == Layout.CLIP) {
				last = x;
				pooled = finalNorm.forward(x.get(":, 0"));
			}
			else {
				last = finalNorm.forward(x);
				pooled = last.get(":, 0");
			}
			NDList keep = new NDList(e.tokens, e.position, last, pooled);
			if (keys != null) keep.add(keys);
			if (hidden != null) keep.addAll(new NDList(hidden.toArray(new NDArray[0])));
			keep.attach(parent);
			return new Output(e.tokens, e.position, hidden, last, pooled, keys, e.rows, e.cols);
		}
	}

	/** Dense keys with the geometrically correct position grid; see {@link #denseKeys(NDArray, int, GridOrder)}. */
	public NDArray denseKeys(NDArray pixelValues, int layer) {
		return denseKeys(pixelValues, layer, GridOrder.ROW_COLUMN);
	}

	/**
	 * Keys of one layer as feature maps, running only the layers up to it (what OVDiff's CLIP/DINO extractors use).
	 *
	 * @param pixelValues [3, H, W] or [B, 3, H, W], normalised
	 * @param layer layer index, negative from the end (CLIP: -2, DINO: -1 in OVDiff; see {@link #ovdiffKeyLayer()})
	 * @return [R, C, D] (or [B, R, C, D] for a batch), the class token dropped; channel h * (D / heads) + d for head h,
	 *         dimension d (heads concatenated, as transformers' k_proj output; OVDiff orders channels head-minor
	 *         instead, which cosine similarity does not notice)
	 */
	public NDArray denseKeys(NDArray pixelValues, int layer, GridOrder order) {
		boolean single = pixelValues.getShape().dimension() == 3;
		NDArray input = single ? pixelValues.expandDims(0) : pixelValues;
		int at = layerIndex(layer);
		NDManager parent = pixelValues.getManager();
		try (NDManager scope = parent.newSubManager(device())) {
			if (single) input.attach(scope);
			Embedded e = embed(input, order, scope);
			NDArray x = preNorm == null ? e.tokens : preNorm.forward(e.tokens);
			for (int i = 0; i < at; i++) {
				NDArray next = Scoped.apply(x, layers.get(i)::forward);
				x.close();
				x = next;
			}
			NDArray keys = Scoped.apply(x, layers.get(at)::keys);
			long b = keys.getShape().get(0);
			NDArray maps = keys.get(":, 1:, :").reshape(b, e.rows, e.cols, config.hidden());
			if (single) maps = maps.squeeze(0);
			maps.attach(parent);
			return maps;
		}
	}

	/** The position table added for an R x C grid ([1 + R*C, D]); see {@link PositionEmbeddingInterpolation}. */
	public NDArray positionEmbedding(int rows, int cols, boolean squareInput, GridOrder order, NDManager m) {
		return PositionEmbeddingInterpolation.interpolate(positionTable, rows, cols, squareInput, order, m);
	}

	private record Embedded(NDArray tokens, NDArray position, int rows, int cols) {}

	/** [class ; patch tokens] + positions, in {@code scope}. */
	private Embedded embed(NDArray pixelValues, GridOrder order, NDManager scope) {
		Shape s = pixelValues.getShape();
		int p = config.patchSize();
		if (s.dimension() != 4 || s.get(1) != config.channels() || s.get(2) < p || s.get(3) < p)
			throw new IllegalArgumentException("the vision transformer takes images [B, " + config.channels() +
				", H, W] with H, W >= " + p + "; got " + s);
		int rows = (int) (s.get(2) / p), cols = (int) (s.get(3) / p);
		long b = s.get(0), d = config.hidden();
		// A copy on the weights' device and dtype, owned by the scope (the caller's array is left alone).
		NDArray moved = pixelValues.toDevice(device(), true);
		moved.attach(scope);
		NDArray x = moved.toType(patchWeight.getDataType(), false);
		NDArray patches = ai.djl.nn.convolutional.Conv2d.conv2d(x, patchWeight, patchBias, new Shape(p, p),
			new Shape(0, 0), new Shape(1, 1), 1).head();
		patches = patches.reshape(b, d, (long) rows * cols).transpose(0, 2, 1);
		NDArray cls = classToken.broadcast(b, 1, d);
		cls.attach(scope);
		NDArray position = positionEmbedding(rows, cols, s.get(2) == s.get(3), order, scope);
		NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1).add(position);
		return new Embedded(tokens, position, rows, cols);
	}

	private int layerIndex(int layer) {
		int i = layer < 0 ? config.layers() + layer : layer;
		if (i < 0 || i >= config.layers()) throw new IllegalArgumentException("layer " + layer + " does not exist: " +
			"the model has " + config.layers() + " layers (use 0.." + (config.layers() - 1) + " or -1..-" +
			config.layers() + ")");
		return i;
	}
}
