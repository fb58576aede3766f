package org.diffseg.sd.differential;

import static org.diffseg.sd.differential.Loops.add;
import static org.diffseg.sd.differential.Loops.conv2d;
import static org.diffseg.sd.differential.Loops.groupNorm;
import static org.diffseg.sd.differential.Loops.layerNorm;
import static org.diffseg.sd.differential.Loops.linear;
import static org.diffseg.sd.differential.Loops.silu;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * diffusers' modules (v0.31: resnet.py, attention.py, attention_processor.py, transformers/transformer_2d.py,
 * unets/unet_2d_blocks.py, unets/unet_2d_condition.py, autoencoders/vae.py) written again on {@link Loops}, reading
 * weights by their checkpoint names. Kept as close to the Python as loops allow; nothing here comes from the
 * production port.
 */
final class PlainModules {
	/** Transformer2DModel's GroupNorm eps and BasicTransformerBlock's LayerNorm eps (diffusers constants). */
	static final double TRANSFORMER_GROUP_NORM_EPS = 1e-6, TRANSFORMER_LAYER_NORM_EPS = 1e-5;
	/** Every norm of the VAE (Encoder/Decoder build all their blocks with eps 1e-6). */
	static final double VAE_EPS = 1e-6;

	private PlainModules() {}

	/** nn.Conv2d(in, out, k) named {@code p}: weight [out, in, k, k] and bias [out]. */
	static Image conv(Weights w, String p, Image x, int out, int k, int stride, int pad) {
		return conv2d(x, w.get(p + ".weight", out, x.c, k, k), w.get(p + ".bias", out), out, k, stride, pad);
	}

	static Tokens dense(Weights w, String p, Tokens x, int out, boolean bias) {
		return linear(x, w.get(p + ".weight", out, x.d), bias ? w.get(p + ".bias", out) : null, out);
	}

	static Image groupNormNamed(Weights w, String p, Image x, int groups, double eps) {
		return groupNorm(x, groups, w.get(p + ".weight", x.c), w.get(p + ".bias", x.c), eps);
	}

	static Tokens layerNormNamed(Weights w, String p, Tokens x) {
		return layerNorm(x, w.get(p + ".weight", x.d), w.get(p + ".bias", x.d), TRANSFORMER_LAYER_NORM_EPS);
	}

	/**
	 * ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1): norm1, SiLU, conv1, + time_emb_proj(SiLU
	 * temb) per channel, norm2, SiLU, conv2; the input goes through a 1x1 conv_shortcut when the width changes.
	 *
	 * @param temb [batch][temb channels], or null (VAE)
	 */
	static Image resnet(Weights w, String p, Image x, double[][] temb, int out, int groups, double eps) {
		Image h = conv(w, p + ".conv1", silu(groupNormNamed(w, p + ".norm1", x, groups, eps)), out, 3, 1, 1);
		if (temb != null) {
			for (int b = 0; b < x.n; b++) {
				double[] shift = linear(silu(temb[b]), w.get(p + ".time_emb_proj.weight", out, temb[b].length),
					w.get(p + ".time_emb_proj.bias", out), out);
				for (int c = 0; c < out; c++)
					for (int y = 0; y < h.h; y++)
						for (int xx = 0; xx < h.w; xx++) h.v[h.at(b, c, y, xx)] += shift[c];
			}
		}
		h = conv(w, p + ".conv2", silu(groupNormNamed(w, p + ".norm2", h, groups, eps)), out, 3, 1, 1);
		Image skip = x.c != out ? conv(w, p + ".conv_shortcut", x, out, 1, 1, 0) : x;
		return add(skip, h);
	}

	/**
	 * Attention as the transformer blocks build it: to_q/to_k/to_v without bias to heads*headDim features, attention
	 * split into heads with scale headDim^-0.5, to_out.0 with bias back to the query width.
	 *
	 * @param context keys/values (null: self-attention) @param probs receives the probabilities, or null
	 */
	static Tokens attention(Weights w, String p, Tokens x, Tokens context, int heads, int headDim, double[] probs) {
		Tokens ctx = context == null ? x : context;
		int inner = heads * headDim;
		Tokens q = dense(w, p + ".to_q", x, inner, false);
		Tokens k = dense(w, p + ".to_k", ctx, inner, false);
		Tokens v = dense(w, p + ".to_v", ctx, inner, false);
		Tokens o = Loops.attention(q, k, v, heads, false, probs);
		return dense(w, p + ".to_out.0", o, x.d, true);
	}

	/**
	 * BasicTransformerBlock (norm_type layer_norm, GEGLU feed-forward of inner width 4*dim): x + attn1(norm1 x),
	 * + attn2(norm2 x, context), + ff(norm3 x). With only_cross_attention attn1 also attends to the context.
	 */
	static Tokens transformerBlock(Weights w, String p, Tokens x, Tokens context, int heads, int headDim,
		boolean onlyCross)
	{
		Tokens a = add(attention(w, p + ".attn1", layerNormNamed(w, p + ".norm1", x), onlyCross ? context : null,
			heads, headDim, null), x);
		Tokens b = add(attention(w, p + ".attn2", layerNormNamed(w, p + ".norm2", a), context, heads, headDim, null), a);
		int inner = 4 * x.d;
		Tokens gated = Loops.geglu(layerNormNamed(w, p + ".norm3", b), w.get(p + ".ff.net.0.proj.weight", 2 * inner, x.d),
			w.get(p + ".ff.net.0.proj.bias", 2 * inner), inner);
		return add(dense(w, p + ".ff.net.2", gated, x.d, true), b);
	}

	/**
	 * Transformer2DModel on continuous input: GroupNorm (eps 1e-6), proj_in (1x1 conv before the tokens, or Linear
	 * on them), the blocks, proj_out back to the input width, residual. head_dim = channels / heads (integer
	 * division, as UNet blocks pass out_channels // num_attention_heads).
	 */
	static Image transformer2d(Weights w, String p, Image x, Tokens context, int heads, int layers, int groups,
		boolean linearProjection, boolean onlyCross)
	{
		int headDim = x.c / heads, inner = heads * headDim;
		Image normed = groupNormNamed(w, p + ".norm", x, groups, TRANSFORMER_GROUP_NORM_EPS);
		Tokens t = linearProjection ? dense(w, p + ".proj_in", Loops.toTokens(normed), inner, true) :
			Loops.toTokens(conv(w, p + ".proj_in", normed, inner, 1, 1, 0));
		for (int i = 0; i < layers; i++)
			t = transformerBlock(w, p + ".transformer_blocks." + i, t, context, heads, headDim, onlyCross);
		Image out = linearProjection ? Loops.toImage(dense(w, p + ".proj_out", t, x.c, true), x.h, x.w) :
			conv(w, p + ".proj_out", Loops.toImage(t, x.h, x.w), x.c, 1, 1, 0);
		return add(out, x);
	}

	/** Downsample2D: 3x3 stride-2 conv, padding 1; with padding 0 (the VAE) zero-pad right and bottom by one first. */
	static Image downsample(Weights w, String p, Image x, boolean padRightAndBottom) {
		String n = p + ".conv";
		double[] k = w.get(n + ".weight", x.c, x.c, 3, 3), b = w.get(n + ".bias", x.c);
		return padRightAndBottom ? conv2d(x, k, b, x.c, 3, 2, 0, 0, 1, 1) : conv2d(x, k, b, x.c, 3, 2, 1);
	}

	/** Upsample2D: nearest interpolation to (h, w), then a 3x3 conv with padding 1. */
	static Image upsample(Weights w, String p, Image x, int h, int width) {
		return conv(w, p + ".conv", Loops.nearest(x, h, width), x.c, 3, 1, 1);
	}

	/**
	 * The VAE mid-block Attention (one head of all channels, bias everywhere, GroupNorm first, residual).
	 *
	 * @param legacyNames the original SD checkpoints' query/key/value/proj_attn instead of to_q/to_k/to_v/to_out.0
	 */
	static Image vaeAttention(Weights w, String p, Image x, int groups, boolean legacyNames) {
		Tokens t = Loops.toTokens(groupNormNamed(w, p + ".group_norm", x, groups, VAE_EPS));
		Tokens q = dense(w, p + (legacyNames ? ".query" : ".to_q"), t, x.c, true);
		Tokens k = dense(w, p + (legacyNames ? ".key" : ".to_k"), t, x.c, true);
		Tokens v = dense(w, p + (legacyNames ? ".value" : ".to_v"), t, x.c, true);
		Tokens o = dense(w, p + (legacyNames ? ".proj_attn" : ".to_out.0"), Loops.attention(q, k, v, 1, false, null), x.c,
			true);
		return add(Loops.toImage(o, x.h, x.w), x);
	}

	/**
	 * get_timestep_embedding: frequencies exp(-ln(10000) i / (half - shift)), [sin | cos] of t * freq ([cos | sin]
	 * with flip_sin_to_cos), a zero column appended when dim is odd.
	 */
	static double[][] timestepEmbedding(double[] timesteps, int dim, boolean flipSinToCos, double shift) {
		int half = dim / 2;
		double[][] emb = new double[timesteps.length][dim];
		for (int b = 0; b < timesteps.length; b++)
			for (int i = 0; i < half; i++) {
				double arg = timesteps[b] * Math.exp(-Math.log(10000) * i / (half - shift));
				emb[b][flipSinToCos ? half + i : i] = Math.sin(arg);
				emb[b][flipSinToCos ? i : half + i] = Math.cos(arg);
			}
		return emb;
	}

	/** The configuration of a UNet2DConditionModel, as the plain formulation reads it. */
	record UNetSpec(int inChannels, int outChannels, int[] blockOut, int[] layersPerBlock, int[] heads,
		boolean[] crossDown, boolean[] crossUp, int crossDim, int groups, double eps, boolean linearProjection,
		boolean onlyCross, int transformerLayers, boolean flipSinToCos, double freqShift, int downsamplePadding) {}

	/**
	 * UNet2DConditionModel.forward: time embedding, conv_in, down blocks (each state pushed as a skip), the
	 * cross-attention mid block, up blocks (each ResNet concatenating the last skip; upsamplers go to the next skip's
	 * size when the latent is not a multiple of 2^upsamplers, else double), GroupNorm, SiLU, conv_out.
	 *
	 * @param taps receives the output of each stage by diffusers module name
	 */
	static Image unet(Weights w, UNetSpec s, Image sample, double[] timesteps, Tokens context,
		Map<String, double[]> taps)
	{
		int n = s.blockOut().length, temb = 4 * s.blockOut()[0];
		double[][] tProj = timestepEmbedding(timesteps, s.blockOut()[0], s.flipSinToCos(), s.freqShift());
		double[][] tEmb = new double[sample.n][];
		for (int b = 0; b < sample.n; b++) {
			double[] h = linear(tProj[b], w.get("time_embedding.linear_1.weight", temb, s.blockOut()[0]),
				w.get("time_embedding.linear_1.bias", temb), temb);
			tEmb[b] = linear(silu(h), w.get("time_embedding.linear_2.weight", temb, temb),
				w.get("time_embedding.linear_2.bias", temb), temb);
		}
		taps.put("time_proj", flat(tProj));
		taps.put("time_embedding", flat(tEmb));

		Image x = conv(w, "conv_in", sample, s.blockOut()[0], 3, 1, 1);
		taps.put("conv_in", x.v);
		Deque<Image> skips = new ArrayDeque<>();
		skips.addLast(x);
		for (int i = 0; i < n; i++) {
			String p = "down_blocks." + i;
			for (int j = 0; j < s.layersPerBlock()[i]; j++) {
				x = resnet(w, p + ".resnets." + j, x, tEmb, s.blockOut()[i], s.groups(), s.eps());
				if (s.crossDown()[i]) x = transformer2d(w, p + ".attentions." + j, x, context, s.heads()[i],
					s.transformerLayers(), s.groups(), s.linearProjection(), s.onlyCross());
				skips.addLast(x);
			}
			if (i < n - 1) {
				x = downsample(w, p + ".downsamplers.0", x, s.downsamplePadding() == 0);
				skips.addLast(x);
			}
			taps.put(p, x.v);
		}

		int top = s.blockOut()[n - 1];
		x = resnet(w, "mid_block.resnets.0", x, tEmb, top, s.groups(), s.eps());
		x = transformer2d(w, "mid_block.attentions.0", x, context, s.heads()[n - 1], s.transformerLayers(), s.groups(),
			s.linearProjection(), s.onlyCross());
		x = resnet(w, "mid_block.resnets.1", x, tEmb, top, s.groups(), s.eps());
		taps.put("mid_block", x.v);

		int factor = 1 << (n - 1);
		boolean forwardUpsampleSize = sample.h % factor != 0 || sample.w % factor != 0;
		for (int i = 0; i < n; i++) {
			String p = "up_blocks." + i;
			int block = n - 1 - i, out = s.blockOut()[block];
			for (int j = 0; j < s.layersPerBlock()[block] + 1; j++) {
				x = resnet(w, p + ".resnets." + j, Loops.concatChannels(x, skips.removeLast()), tEmb, out, s.groups(),
					s.eps());
				if (s.crossUp()[i]) x = transformer2d(w, p + ".attentions." + j, x, context, s.heads()[block],
					s.transformerLayers(), s.groups(), s.linearProjection(), s.onlyCross());
			}
			if (i < n - 1) {
				Image next = skips.peekLast();
				x = forwardUpsampleSize ? upsample(w, p + ".upsamplers.0", x, next.h, next.w) :
					upsample(w, p + ".upsamplers.0", x, 2 * x.h, 2 * x.w);
			}
			taps.put(p, x.v);
		}
		if (!skips.isEmpty()) throw new AssertionError(skips.size() + " skip connections left over");
		x = groupNormNamed(w, "conv_norm_out", x, s.groups(), s.eps());
		taps.put("conv_norm_out", x.v);
		x = conv(w, "conv_out", silu(x), s.outChannels(), 3, 1, 1);
		taps.put("conv_out", x.v);
		return x;
	}

	/** The configuration of an AutoencoderKL, as the plain formulation reads it. */
	record VaeSpec(int inChannels, int outChannels, int[] blockOut, int layersPerBlock, int latentChannels, int groups,
		boolean midAttention) {}

	/** UNetMidBlock2D of the VAE: ResNet, attention (when enabled), ResNet. */
	static Image vaeMid(Weights w, String p, Image x, VaeSpec s) {
		x = resnet(w, p + ".resnets.0", x, null, x.c, s.groups(), VAE_EPS);
		if (s.midAttention()) x = vaeAttention(w, p + ".attentions.0", x, s.groups(), false);
		return resnet(w, p + ".resnets.1", x, null, x.c, s.groups(), VAE_EPS);
	}

	/**
	 * Encoder + quant_conv: conv_in, DownEncoderBlock2Ds (ResNets, then a right/bottom-padded stride-2 downsampler
	 * except in the last), mid block, GroupNorm, SiLU, conv_out to 2*latent channels, quant_conv (1x1).
	 *
	 * @return the moments: mean = channels [0, latent), logvar (before clamping) = the rest
	 */
	static Image vaeEncode(Weights w, VaeSpec s, Image image, Map<String, double[]> taps) {
		int[] boc = s.blockOut();
		Image x = conv(w, "encoder.conv_in", image, boc[0], 3, 1, 1);
		taps.put("encoder.conv_in", x.v);
		for (int i = 0; i < boc.length; i++) {
			String p = "encoder.down_blocks." + i;
			for (int j = 0; j < s.layersPerBlock(); j++)
				x = resnet(w, p + ".resnets." + j, x, null, boc[i], s.groups(), VAE_EPS);
			if (i < boc.length - 1) x = downsample(w, p + ".downsamplers.0", x, true);
			taps.put(p, x.v);
		}
		x = vaeMid(w, "encoder.mid_block", x, s);
		taps.put("encoder.mid_block", x.v);
		x = groupNormNamed(w, "encoder.conv_norm_out", x, s.groups(), VAE_EPS);
		taps.put("encoder.conv_norm_out", x.v);
		x = conv(w, "encoder.conv_out", silu(x), 2 * s.latentChannels(), 3, 1, 1);
		taps.put("encoder.conv_out", x.v);
		x = conv(w, "quant_conv", x, 2 * s.latentChannels(), 1, 1, 0);
		taps.put("quant_conv", x.v);
		return x;
	}

	/**
	 * post_quant_conv + Decoder: conv_in, mid block, UpDecoderBlock2Ds (layers+1 ResNets, then nearest 2x and a conv
	 * except in the last), GroupNorm, SiLU, conv_out.
	 */
	static Image vaeDecode(Weights w, VaeSpec s, Image latents, Map<String, double[]> taps) {
		int[] boc = s.blockOut();
		int n = boc.length;
		Image x = conv(w, "post_quant_conv", latents, s.latentChannels(), 1, 1, 0);
		taps.put("post_quant_conv", x.v);
		x = conv(w, "decoder.conv_in", x, boc[n - 1], 3, 1, 1);
		taps.put("decoder.conv_in", x.v);
		x = vaeMid(w, "decoder.mid_block", x, s);
		taps.put("decoder.mid_block", x.v);
		for (int i = 0; i < n; i++) {
			String p = "decoder.up_blocks." + i;
			for (int j = 0; j < s.layersPerBlock() + 1; j++)
				x = resnet(w, p + ".resnets." + j, x, null, boc[n - 1 - i], s.groups(), VAE_EPS);
			if (i < n - 1) x = upsample(w, p + ".upsamplers.0", x, 2 * x.h, 2 * x.w);
			taps.put(p, x.v);
		}
		x = groupNormNamed(w, "decoder.conv_norm_out", x, s.groups(), VAE_EPS);
		taps.put("decoder.conv_norm_out", x.v);
		x = conv(w, "decoder.conv_out", silu(x), s.outChannels(), 3, 1, 1);
		taps.put("decoder.conv_out", x.v);
		return x;
	}

	/** The configuration of a CLIPTextModel, as the plain formulation reads it. */
	record ClipSpec(int hidden, int layers, int heads, int intermediate, String act, double eps, int eosTokenId) {}

	/**
	 * transformers' CLIPTextModel: token + position embeddings; per layer x + out_proj(causal attention(layer_norm1
	 * x)), then x + fc2(act(fc1(layer_norm2 x))); final_layer_norm. Pooled: the state at argmax(ids) when
	 * eos_token_id is the legacy 2, else at the first eos_token_id (position 0 when there is none).
	 *
	 * @param states receives the embeddings and each layer's output, then the last hidden state and the pooled rows
	 */
	static void clipText(Weights w, String p, ClipSpec s, long[][] ids, int vocab, int positions,
		List<double[]> states)
	{
		int n = ids.length, t = ids[0].length, d = s.hidden();
		double[] tokenTable = w.get(p + ".embeddings.token_embedding.weight", vocab, d);
		double[] positionTable = w.get(p + ".embeddings.position_embedding.weight", positions, d);
		Tokens x = new Tokens(n, t, d);
		for (int b = 0; b < n; b++)
			for (int i = 0; i < t; i++)
				for (int f = 0; f < d; f++)
					x.v[x.at(b, i, f)] = tokenTable[(int) ids[b][i] * d + f] + positionTable[i * d + f];
		states.add(x.v);
		for (int l = 0; l < s.layers(); l++) {
			String q = p + ".encoder.layers." + l;
			Tokens h = layerNorm(x, w.get(q + ".layer_norm1.weight", d), w.get(q + ".layer_norm1.bias", d), s.eps());
			Tokens attended = Loops.attention(dense(w, q + ".self_attn.q_proj", h, d, true),
				dense(w, q + ".self_attn.k_proj", h, d, true), dense(w, q + ".self_attn.v_proj", h, d, true), s.heads(),
				true, null);
			x = add(x, dense(w, q + ".self_attn.out_proj", attended, d, true));
			Tokens inner = dense(w, q + ".mlp.fc1", layerNorm(x, w.get(q + ".layer_norm2.weight", d),
				w.get(q + ".layer_norm2.bias", d), s.eps()), s.intermediate(), true);
			for (int i = 0; i < inner.v.length; i++)
				inner.v[i] = s.act().equals("gelu") ? Loops.gelu(inner.v[i]) : Loops.quickGelu(inner.v[i]);
			x = add(x, dense(w, q + ".mlp.fc2", inner, d, true));
			states.add(x.v);
		}
		Tokens last = layerNorm(x, w.get(p + ".final_layer_norm.weight", d), w.get(p + ".final_layer_norm.bias", d),
			s.eps());
		states.add(last.v);
		double[] pooled = new double[n * d];
		for (int b = 0; b < n; b++) {
			int at = 0;
			for (int i = 0; i < t; i++) {
				if (s.eosTokenId() == 2 ? ids[b][i] > ids[b][at] : ids[b][i] == s.eosTokenId()) {
					at = i;
					if (s.eosTokenId() != 2) break;
				}
			}
			for (int f = 0; f < d; f++) pooled[b * d + f] = last.get(b, at, f);
		}
		states.add(pooled);
	}

	static double[] flat(double[][] rows) {
		int n = 0;
		for (double[] r : rows) n += r.length;
		double[] v = new double[n];
		int at = 0;
		for (double[] r : rows) {
			System.arraycopy(r, 0, v, at, r.length);
			at += r.length;
		}
		return v;
	}
}
