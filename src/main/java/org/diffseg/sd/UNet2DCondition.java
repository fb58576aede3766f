package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * diffusers' UNet2DConditionModel (the SD 1.x / 2.x configurations): sinusoidal timestep embedding and its MLP,
 * conv_in, down blocks collecting skip connections, the cross-attention mid block, up blocks consuming them,
 * GroupNorm, SiLU, conv_out. Predicts the noise (or v) of a scaled latent.
 */
public final class UNet2DCondition {

	public record Config(int sampleSize, int inChannels, int outChannels, boolean centerInput, boolean flipSinToCos,
		float freqShift, String[] downTypes, String[] upTypes, int[] blockOut, int[] layersPerBlock, int[] heads,
		int crossDim, int groups, float eps, boolean linearProjection, boolean onlyCross, boolean upcast,
		int transformerLayers, int downsamplePadding)
	{
		/**
		 * Reads and checks unet/config.json before anything is allocated: every size is an integer within
		 * {@link ConfigLimits}, lists have one entry per block, channels divide by norm_num_groups and by the head
		 * counts. The keys that size the network are required (every diffusers config has them: an empty config must
		 * not become a default SD 1.5 UNet); the others take the diffusers defaults.
		 */
		public static Config from(Json c) throws ConfigException {
			String[] down = c.strings("down_block_types", 1, ConfigLimits.MAX_BLOCKS);
			int n = down.length;
			for (String t : down) if (!t.equals("CrossAttnDownBlock2D") && !t.equals("DownBlock2D"))
				throw unsupported(c, "down_block_types", "CrossAttnDownBlock2D and DownBlock2D entries");
			String[] up = c.strings("up_block_types", 1, ConfigLimits.MAX_BLOCKS);
			if (up.length != n) throw c.invalid("up_block_types", "a list of " + n + " block types, one per entry " +
				"of down_block_types");
			for (String t : up) if (!t.equals("CrossAttnUpBlock2D") && !t.equals("UpBlock2D"))
				throw unsupported(c, "up_block_types", "CrossAttnUpBlock2D and UpBlock2D entries");
			int[] boc = c.intList("block_out_channels", 1, ConfigLimits.MAX_BLOCKS, 1, ConfigLimits.MAX_CHANNELS);
			if (boc.length != n) throw c.invalid("block_out_channels", "a list of " + n + " integers, one per entry " +
				"of down_block_types");
			requireString(c, "mid_block_type", "UNetMidBlock2DCrossAttn");
			requireString(c, "act_fn", "silu");
			requireString(c, "time_embedding_type", "positional");
			requireString(c, "resnet_time_scale_shift", "default");
			for (String key : new String[] { "class_embed_type", "addition_embed_type", "num_class_embeds" })
				if (c.has(key)) throw unsupported(c, key, "null (class and addition embeddings are SDXL-style options)");
			if (c.bool("dual_cross_attention", false)) throw unsupported(c, "dual_cross_attention", "false");
			if (c.has("only_cross_attention") && c.raw().get("only_cross_attention").isJsonArray())
				throw unsupported(c, "only_cross_attention", "one boolean for every block");
			boolean onlyCross = c.bool("only_cross_attention", false);
			// diffusers naming quirk: attention_head_dim is the number of heads unless num_attention_heads is given
			String headsKey = c.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
			int[] heads = c.ints(headsKey, n, 1, ConfigLimits.MAX_HEADS);
			for (int i = 0; i < n; i++) {
				boolean used = down[i].startsWith("CrossAttn") || up[n - 1 - i].startsWith("CrossAttn") || i == n - 1;
				// diffusers gives each head channels / heads (rounded down) channels, so a count that does not divide
				// the channels is legal (proj_in then narrows the width); more heads than channels is not
				if (used && heads[i] > boc[i]) throw c.invalid(headsKey, "head counts of at most the channels of " +
					"their block: entry " + i + " is " + heads[i] + ", block_out_channels[" + i + "] is " + boc[i]);
			}
			int[] lpb = c.ints("layers_per_block", n, 1, ConfigLimits.MAX_LAYERS_PER_BLOCK);
			int[] tl = c.ints("transformer_layers_per_block", n, 1, ConfigLimits.MAX_TRANSFORMER_LAYERS, 1);
			for (int t : tl) if (t != tl[0]) throw unsupported(c, "transformer_layers_per_block", "one value for " +
				"every block");
			int crossDim = c.integer("cross_attention_dim", 1, ConfigLimits.MAX_CHANNELS);
			int groups = c.integer("norm_num_groups", 32, 1, ConfigLimits.MAX_GROUPS);
			for (int ch : boc) if (ch % groups != 0) throw c.invalid("norm_num_groups", "a divisor of every " +
				"block_out_channels entry " + java.util.Arrays.toString(boc) + " (GroupNorm splits channels into " +
				"groups; Stable Diffusion uses 32)");
			return new Config(c.integer("sample_size", 64, 1, ConfigLimits.MAX_SAMPLE_SIZE),
				c.integer("in_channels", 4, 1, ConfigLimits.MAX_IO_CHANNELS),
				c.integer("out_channels", 4, 1, ConfigLimits.MAX_IO_CHANNELS),
				c.bool("center_input_sample", false), c.bool("flip_sin_to_cos", true),
				(float) c.number("freq_shift", 0, 0, boc[0] / 2 - 1), down, up, boc, lpb, heads, crossDim, groups,
				(float) c.number("norm_eps", 1e-5, 0, 1), c.bool("use_linear_projection", false), onlyCross,
				c.bool("upcast_attention", false), tl[0], c.integer("downsample_padding", 1, 0, 16));
		}

		private static void requireString(Json c, String key, String supported) throws ConfigException {
			if (!c.string(key, supported).equals(supported)) throw unsupported(c, key, "\"" + supported + "\"");
		}

		static ConfigException unsupported(Json c, String key, String supported) {
			return c.invalid(key, supported + ": DiffSeg runs the Stable Diffusion 1.x and 2.x UNet configurations");
		}

		public int tembChannels() {
			return blockOut[0] * 4;
		}
	}

	public final Config config;
	final LinearLayer timeLinear1, timeLinear2;
	final Conv2d convIn, convOut;
	final List<UNetBlocks.DownBlock> down = new ArrayList<>();
	final UNetBlocks.MidBlock mid;
	final List<UNetBlocks.UpBlock> up = new ArrayList<>();
	final Norms.GroupNorm normOut;

	public UNet2DCondition(WeightStore.Scope p, Config c) {
		this.config = c;
		int[] boc = c.blockOut();
		int n = boc.length, temb = c.tembChannels();
		timeLinear1 = new LinearLayer(p.scope("time_embedding.linear_1"), boc[0], temb, true);
		timeLinear2 = new LinearLayer(p.scope("time_embedding.linear_2"), temb, temb, true);
		convIn = new Conv2d(p.scope("conv_in"), c.inChannels(), boc[0], 3, 1, 1);
		UNetBlocks.Common common = new UNetBlocks.Common(temb, c.groups(), c.eps(), c.crossDim(), c.linearProjection(),
			c.onlyCross(), c.upcast(), c.transformerLayers(), c.downsamplePadding());
		int prev = boc[0];
		for (int i = 0; i < n; i++) {
			down.add(new UNetBlocks.DownBlock(p.scope("down_blocks." + i), c.downTypes()[i].startsWith("CrossAttn"),
				c.layersPerBlock()[i], prev, boc[i], c.heads()[i], i < n - 1, common));
			prev = boc[i];
		}
		mid = new UNetBlocks.MidBlock(p.scope("mid_block"), boc[n - 1], c.heads()[n - 1], common);
		int prevOut = boc[n - 1];
		for (int i = 0; i < n; i++) {
			int out = boc[n - 1 - i];
			int in = boc[Math.max(n - 2 - i, 0)];
			up.add(new UNetBlocks.UpBlock(p.scope("up_blocks." + i), c.upTypes()[i].startsWith("CrossAttn"),
				c.layersPerBlock()[n - 1 - i] + 1, in, out, prevOut, c.heads()[n - 1 - i], i < n - 1, common));
			prevOut = out;
		}
		normOut = new Norms.GroupNorm(p.scope("conv_norm_out"), c.groups(), boc[0], c.eps());
		convOut = new Conv2d(p.scope("conv_out"), boc[0], c.outChannels(), 3, 1, 1);
	}

	/**
	 * Noise prediction. Temporaries are freed before returning; the result lives in {@code sample}'s manager.
	 *
	 * @param sample scaled latents [B, C, h, w]
	 * @param timestep a scalar (0-d or [1]) broadcast to the batch, or one per sample [B]; int or float
	 * @param context text-encoder states [B, 77, crossDim]
	 * @param tap cross-attention recorder, or null
	 * @param taps named intermediates to keep (debugging, parity checks), or null; they stay in the caller's scope
	 */
	public NDArray forward(NDArray sample, NDArray timestep, NDArray context, AttentionTap tap,
		Map<String, NDArray> taps)
	{
		NDManager caller = sample.getManager();
		try (NDManager scope = caller.newSubManager()) {
			scope.tempAttachAll(sample, timestep, context);
			NDArray out = run(sample, timestep, context, tap, taps);
			out.attach(caller);
			if (taps != null) for (NDArray t : taps.values()) t.attach(caller);
			return out;
		}
	}

	NDArray run(NDArray sample, NDArray timestep, NDArray context, AttentionTap tap, Map<String, NDArray> taps) {
		long b = sample.getShape().get(0);
		if (config.centerInput()) sample = sample.mul(2).sub(1);
		NDArray tEmb = timestepEmbedding(timestep, b, sample.getManager()).toType(sample.getDataType(), false);
		tap(taps, "time_proj", tEmb);
		NDArray temb = timeLinear2.forward(Activations.silu(timeLinear1.forward(tEmb)));
		tap(taps, "time_embedding", temb);

		// Upsamplers follow the skip sizes when the latent is not a multiple of 2^(number of upsamplers).
		long factor = 1L << (down.size() - 1);
		boolean sizedUpsample = sample.getShape().get(2) % factor != 0 || sample.getShape().get(3) % factor != 0;

		NDArray x = convIn.forward(sample);
		tap(taps, "conv_in", x);
		List<NDArray> skips = new ArrayList<>();
		skips.add(x);
		for (int i = 0; i < down.size(); i++) {
			x = down.get(i).forward(x, temb, context, tap, skips);
			tap(taps, "down_blocks." + i, x);
		}
		NDArray bottom = x;
		x = mid.forward(x, temb, context, tap);
		if (taps == null && skips.stream().noneMatch(s -> s == bottom)) bottom.close(); // identity: NDArray.equals compares contents
		tap(taps, "mid_block", x);
		Deque<NDArray> stack = new ArrayDeque<>(skips);
		for (int i = 0; i < up.size(); i++) {
			UNetBlocks.UpBlock block = up.get(i);
			long[] size = null;
			if (sizedUpsample && block.upsampler != null) {
				// the skip that will remain on top after this block takes its own
				NDArray next = skipBelow(stack, block.resnets.size());
				size = new long[] { next.getShape().get(2), next.getShape().get(3) };
			}
			x = block.forward(x, temb, context, tap, stack, size, taps == null);
			tap(taps, "up_blocks." + i, x);
		}
		NDArray last = x;
		x = normOut.forward(x);
		if (taps == null) last.close();
		tap(taps, "conv_norm_out", x);
		NDArray normed = x;
		x = org.diffseg.sd.nn.Scoped.apply(normed, in -> convOut.forward(Activations.silu(in)));
		if (taps == null) normed.close();
		tap(taps, "conv_out", x);
		return x;
	}

	private static NDArray skipBelow(Deque<NDArray> stack, int taken) {
		var it = stack.descendingIterator();
		for (int k = 0; k < taken; k++) it.next();
		return it.next();
	}

	/** diffusers' get_timestep_embedding in float32: [cos | sin] with flip_sin_to_cos, exponent shift freq_shift. */
	NDArray timestepEmbedding(NDArray timestep, long batch, NDManager m) {
		NDArray t = timestep.toType(DataType.FLOAT32, false).flatten();
		if (t.size() == 1 && batch > 1) t = t.broadcast(new Shape(batch));
		if (t.size() != batch) throw new IllegalArgumentException("got " + t.size() + " timesteps for a batch of " + batch);
		int dim = config.blockOut()[0];
		int half = dim / 2;
		NDArray exponent = m.arange(0, half, 1, DataType.FLOAT32).mul((float) -Math.log(10000))
			.div(half - config.freqShift());
		NDArray freqs = exponent.exp();
		NDArray args = t.expandDims(1).mul(freqs.expandDims(0));
		NDArray sin = args.sin(), cos = args.cos();
		NDArray emb = config.flipSinToCos() ? cos.concat(sin, 1) : sin.concat(cos, 1);
		if (dim % 2 == 1) emb = emb.pad(new Shape(0, 1), 0);
		return emb;
	}

	static void tap(Map<String, NDArray> taps, String name, NDArray x) {
		if (taps != null) taps.put(name, x);
	}
}
