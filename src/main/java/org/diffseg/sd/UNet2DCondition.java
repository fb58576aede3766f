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
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.Linear;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.ParameterStore;

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
		public static Config from(Json c) {
			String[] down = c.getStringList("down_block_types", new String[] { "CrossAttnDownBlock2D",
				"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D" });
			String[] up = c.getStringList("up_block_types", new String[] { "UpBlock2D", "CrossAttnUpBlock2D",
				"CrossAttnUpBlock2D", "CrossAttnUpBlock2D" });
			int n = down.length;
			int[] boc = c.getIntList("block_out_channels", n, new int[] { 320, 640, 1280, 1280 });
			if (boc.length != n || up.length != n) throw new IllegalArgumentException(c.file() +
				": block_out_channels, down_block_types and up_block_types must have the same length");
			for (String t : down) if (!t.equals("CrossAttnDownBlock2D") && !t.equals("DownBlock2D"))
				throw unsupported(c, "down block type " + t);
			for (String t : up) if (!t.equals("CrossAttnUpBlock2D") && !t.equals("UpBlock2D"))
				throw unsupported(c, "up block type " + t);
			String mid = c.getString("mid_block_type", "UNetMidBlock2DCrossAttn");
			if (!mid.equals("UNetMidBlock2DCrossAttn")) throw unsupported(c, "mid block type " + mid);
			if (!c.getString("act_fn", "silu").equals("silu")) throw unsupported(c, "act_fn " + c.getString("act_fn", ""));
			if (!c.getString("time_embedding_type", "positional").equals("positional"))
				throw unsupported(c, "time_embedding_type " + c.getString("time_embedding_type", ""));
			if (c.has("class_embed_type") || c.has("addition_embed_type") || c.getBool("dual_cross_attention", false))
				throw unsupported(c, "class/addition embeddings or dual cross-attention (SDXL-style options)");
			if (!c.getString("resnet_time_scale_shift", "default").equals("default"))
				throw unsupported(c, "resnet_time_scale_shift " + c.getString("resnet_time_scale_shift", ""));
			// diffusers naming quirk: attention_head_dim is the number of heads unless num_attention_heads is given
			int[] heads = c.has("num_attention_heads") ? c.getIntList("num_attention_heads", n, null) :
				c.getIntList("attention_head_dim", n, new int[] { 8, 8, 8, 8 });
			if (heads.length != n) throw new IllegalArgumentException(c.file() + ": attention_head_dim must have " + n +
				" entries");
			int[] lpb = c.getIntList("layers_per_block", n, new int[] { 2, 2, 2, 2 });
			int[] tl = c.getIntList("transformer_layers_per_block", n, new int[] { 1, 1, 1, 1 });
			for (int t : tl) if (t != tl[0]) throw unsupported(c, "per-block transformer_layers_per_block");
			if (c.raw().has("only_cross_attention") && c.raw().get("only_cross_attention").isJsonArray())
				throw unsupported(c, "per-block only_cross_attention");
			return new Config(c.getInt("sample_size", 64), c.getInt("in_channels", 4), c.getInt("out_channels", 4),
				c.getBool("center_input_sample", false), c.getBool("flip_sin_to_cos", true),
				(float) c.getDouble("freq_shift", 0), down, up, boc, lpb, heads, c.getInt("cross_attention_dim", 1280),
				c.getInt("norm_num_groups", 32), (float) c.getDouble("norm_eps", 1e-5),
				c.getBool("use_linear_projection", false), c.getBool("only_cross_attention", false),
				c.getBool("upcast_attention", false), tl[0], c.getInt("downsample_padding", 1));
		}

		static IllegalArgumentException unsupported(Json c, String what) {
			return new IllegalArgumentException(c.file() + ": " + what + " is not supported (DiffSeg runs the " +
				"Stable Diffusion 1.x and 2.x UNet configurations)");
		}

		public int tembChannels() {
			return blockOut[0] * 4;
		}
	}

	public final Config config;
	final Linear timeLinear1, timeLinear2;
	final Conv2d convIn, convOut;
	final List<UNetBlocks.DownBlock> down = new ArrayList<>();
	final UNetBlocks.MidBlock mid;
	final List<UNetBlocks.UpBlock> up = new ArrayList<>();
	final Norms.GroupNorm normOut;

	public UNet2DCondition(ParameterStore.Scope p, Config c) {
		this.config = c;
		int[] boc = c.blockOut();
		int n = boc.length, temb = c.tembChannels();
		timeLinear1 = new Linear(p.scope("time_embedding.linear_1"), boc[0], temb, true);
		timeLinear2 = new Linear(p.scope("time_embedding.linear_2"), temb, temb, true);
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
