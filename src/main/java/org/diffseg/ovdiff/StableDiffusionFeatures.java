package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.sd.AttentionTap;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;
import org.diffseg.sd.UNet2DCondition;
import org.diffseg.sd.nn.Resize;

/**
 * OVDiff's Stable Diffusion features (paper §3.3, appendix C): the image is resized to the model's native size
 * (bilinear), VAE-encoded (posterior mean, scaled), noised to t = 200 with DDPM noise from a fixed seed, and passed
 * through the UNet with the empty prompt; the cross-attention query features (to_q outputs) of down_blocks.0
 * attention 0, the mid block, up_blocks.1 attentions 0-2, up_blocks.2 attentions 0-2 and up_blocks.3 attention 2
 * are resized bilinearly (torch semantics, {@link Resize}) to the latent grid (64x64 for SD 1.5 at 512 px) and
 * concatenated along channels in that order. Deterministic for a given model, timestep and size.
 */
public final class StableDiffusionFeatures implements FeatureExtractor {

	/** The layers of the authors' code, by diffusers module path. */
	public static final List<String> LAYERS = List.of(
		"down_blocks.0.attentions.0.transformer_blocks.0.attn2",
		"mid_block.attentions.0.transformer_blocks.0.attn2",
		"up_blocks.1.attentions.0.transformer_blocks.0.attn2",
		"up_blocks.1.attentions.1.transformer_blocks.0.attn2",
		"up_blocks.1.attentions.2.transformer_blocks.0.attn2",
		"up_blocks.2.attentions.0.transformer_blocks.0.attn2",
		"up_blocks.2.attentions.1.transformer_blocks.0.attn2",
		"up_blocks.2.attentions.2.transformer_blocks.0.attn2",
		"up_blocks.3.attentions.2.transformer_blocks.0.attn2");

	public static final int DEFAULT_TIMESTEP = 200;
	/** The seed of the DDPM noise: fixed, so the same image always gets the same features. */
	public static final long NOISE_SEED = 200;

	private final StableDiffusion sd;
	private final int timestep, size, channels;
	private float[] emptyPrompt; // the empty prompt's text-encoder states, computed once
	private Shape emptyPromptShape;

	/** The authors' settings: t = 200 at the model's native size. */
	public StableDiffusionFeatures(StableDiffusion sd) {
		this(sd, DEFAULT_TIMESTEP, 0);
	}

	/**
	 * @param timestep the DDPM training timestep the image is noised to
	 * @param size side of the square the image is resized to before encoding (0: the model's native size); a
	 * multiple of the latent scale (8)
	 */
	public StableDiffusionFeatures(StableDiffusion sd, int timestep, int size) {
		this.sd = sd;
		int trainSteps = sd.noiseSchedule.numTrainTimesteps();
		if (timestep < 0 || timestep >= trainSteps) throw new IllegalArgumentException("the feature timestep must be " +
			"in 0.." + (trainSteps - 1) + ", not " + timestep);
		int scale = sd.latentScale();
		if (size < 0 || size % scale != 0) throw new IllegalArgumentException("the feature image size must be a " +
			"positive multiple of " + scale + " (or 0 for the model's native size), not " + size);
		this.timestep = timestep;
		this.size = size == 0 ? sd.defaultImageSize() : size;
		this.channels = Arrays.stream(layerChannels(sd.unet.config)).sum();
	}

	/**
	 * The query channels of each of {@link #LAYERS}: the width of the block the layer sits in.
	 * @throws IllegalArgumentException when the UNet lacks one of the layers (not an SD 1.x/2.x layout)
	 */
	static int[] layerChannels(UNet2DCondition.Config c) {
		int[] boc = c.blockOut();
		int n = boc.length;
		String problem = null;
		if (n != 4) problem = "it has " + n + " resolution levels, not 4";
		else if (!c.downTypes()[0].startsWith("CrossAttn")) problem = "down_blocks.0 has no cross-attention";
		else for (int i = 1; i < 4 && problem == null; i++) {
			if (!c.upTypes()[i].startsWith("CrossAttn")) problem = "up_blocks." + i + " has no cross-attention";
			else if (c.layersPerBlock()[n - 1 - i] + 1 < 3) problem = "up_blocks." + i + " has fewer than 3 attentions";
		}
		if (problem != null) throw new IllegalArgumentException("OVDiff's Stable Diffusion features need the SD 1.x/2.x " +
			"UNet layout, but " + problem);
		return new int[] { boc[0], boc[n - 1], boc[n - 2], boc[n - 2], boc[n - 2], boc[n - 3], boc[n - 3], boc[n - 3],
			boc[0] };
	}

	@Override
	public String id() {
		return "sd-queries(model=" + sd.identity().substring(0, 16) + ",layers=ovdiff9,t=" + timestep + ",size=" + size +
			",grid=" + grid() + ")";
	}

	@Override
	public int channels() {
		return channels;
	}

	/** The side of the square the image is encoded at. */
	public int size() {
		return size;
	}

	/** The feature grid: the latent size (64 for SD 1.5 at 512 px). */
	public int grid() {
		return size / sd.latentScale();
	}

	public int timestep() {
		return timestep;
	}

	/**
	 * @param image [1, 3, H, W] RGB in [0, 1], any size, on any device
	 * @return [C, grid, grid] float32 on {@code image}'s device, in its manager
	 */
	@Override
	public NDArray extract(NDArray image) {
		Shape is = image.getShape();
		if (is.dimension() != 4 || is.get(0) != 1 || is.get(1) != 3) throw new IllegalArgumentException("the image must " +
			"be one RGB image [1, 3, H, W], not " + is);
		NDManager caller = image.getManager();
		int grid = grid();
		try (NDManager scope = caller.newSubManager(sd.device)) {
			NDArray x = image.toDevice(sd.device, true).toType(DataType.FLOAT32, false);
			x.attach(scope);
			x = Resize.resize(x, size, size, Resize.Mode.BILINEAR);
			NDArray latents = sd.vae.encode(x.mul(2).sub(1).toType(sd.dtype, false), null).mean()
				.toType(DataType.FLOAT32, false).mul(sd.vae.scalingFactor());
			NDArray noise = TextToImage.initialLatents(scope, NOISE_SEED, 1, (int) latents.getShape().get(1), grid, grid);
			NDArray noisy = sd.noiseSchedule.addNoise(latents, noise, new long[] { timestep });
			QueryTap tap = new QueryTap(scope, grid);
			sd.unet.forward(noisy.toType(sd.dtype, false), scope.create((float) timestep), emptyPrompt(scope), tap,
				null).close();
			NDList parts = new NDList();
			for (String layer : LAYERS) parts.add(tap.features.get(layer));
			NDArray features = NDArrays.concat(parts, 0).toDevice(image.getDevice(), false);
			features.attach(caller);
			return features;
		}
	}

	/** The text-encoder states of "" [1, 77, D] in the model's dtype. */
	private synchronized NDArray emptyPrompt(NDManager m) {
		if (emptyPrompt == null) {
			try (NDManager tmp = NDManager.newBaseManager(sd.device)) {
				NDArray states = sd.encodeText(tmp, List.of(""));
				emptyPromptShape = states.getShape();
				emptyPrompt = states.toType(DataType.FLOAT32, false).toFloatArray();
			}
		}
		return m.create(emptyPrompt, emptyPromptShape).toType(sd.dtype, false);
	}

	/** Keeps each wanted layer's queries as float32 [C, grid, grid]. */
	static final class QueryTap implements AttentionTap {
		final NDManager manager;
		final int grid;
		final Map<String, NDArray> features = new LinkedHashMap<>();

		QueryTap(NDManager manager, int grid) {
			this.manager = manager;
			this.grid = grid;
		}

		@Override
		public boolean wants(String layerPath) {
			return LAYERS.contains(layerPath);
		}

		@Override
		public void record(String layerPath, NDArray probs, NDArray query, int heads, long height, long width) {
			Shape s = query.getShape(); // [1, h*w, C], query index y * width + x
			NDArray map = query.get(0).transpose(1, 0).reshape(s.get(2), height, width);
			NDArray kept = Resize.resize(map, grid, grid, Resize.Mode.BILINEAR);
			if (kept.getDataType() != DataType.FLOAT32) kept = kept.toType(DataType.FLOAT32, false);
			kept.attach(manager);
			NDArray old = features.put(layerPath, kept);
			if (old != null) old.close();
		}
	}
}
