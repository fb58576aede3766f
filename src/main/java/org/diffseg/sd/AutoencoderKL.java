package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.Bands;
import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.InPlace;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.Scalars;
import org.diffseg.sd.nn.Scoped;

/**
 * diffusers' AutoencoderKL: the encoder to the posterior's mean and log-variance, and the decoder. Latents given to
 * and taken from the UNet are scaled by {@code scaling_factor}; this class works on unscaled latents.
 */
public final class AutoencoderKL {

	public record Config(int inChannels, int outChannels, int[] blockOut, int layersPerBlock, int latentChannels,
		int groups, float scalingFactor, boolean midAttention, String act)
	{
		/**
		 * Reads and checks vae/config.json before anything is allocated (bounds in {@link ConfigLimits}). The keys
		 * that size the network are required; norm_num_groups, in/out channels and scaling_factor, which old SD
		 * configs omit, take the diffusers defaults.
		 */
		public static Config from(Json c) throws ConfigException {
			String[] down = c.strings("down_block_types", 1, ConfigLimits.MAX_BLOCKS);
			int n = down.length;
			for (String t : down) if (!t.equals("DownEncoderBlock2D")) throw c.invalid("down_block_types",
				"DownEncoderBlock2D entries (the Stable Diffusion VAE)");
			String[] up = c.strings("up_block_types", 1, ConfigLimits.MAX_BLOCKS);
			if (up.length != n) throw c.invalid("up_block_types", "a list of " + n + " block types, one per entry " +
				"of down_block_types");
			for (String t : up) if (!t.equals("UpDecoderBlock2D")) throw c.invalid("up_block_types",
				"UpDecoderBlock2D entries (the Stable Diffusion VAE)");
			int[] boc = c.intList("block_out_channels", 1, ConfigLimits.MAX_BLOCKS, 1, ConfigLimits.MAX_CHANNELS);
			if (boc.length != n) throw c.invalid("block_out_channels", "a list of " + n + " integers, one per entry " +
				"of down_block_types");
			String act = c.string("act_fn", "silu");
			if (!act.equals("silu")) throw c.invalid("act_fn", "\"silu\" (as in every Stable Diffusion VAE)");
			int layers = c.integer("layers_per_block", 1, ConfigLimits.MAX_LAYERS_PER_BLOCK);
			int latent = c.integer("latent_channels", 1, ConfigLimits.MAX_IO_CHANNELS);
			int groups = c.integer("norm_num_groups", 32, 1, ConfigLimits.MAX_GROUPS);
			for (int ch : boc) if (ch % groups != 0) throw c.invalid("norm_num_groups", "a divisor of every " +
				"block_out_channels entry " + java.util.Arrays.toString(boc) + " (GroupNorm splits channels into " +
				"groups; Stable Diffusion uses 32)");
			c.integer("sample_size", 512, 1, ConfigLimits.MAX_SAMPLE_SIZE); // unused, but a size: checked too
			return new Config(c.integer("in_channels", 3, 1, ConfigLimits.MAX_IO_CHANNELS),
				c.integer("out_channels", 3, 1, ConfigLimits.MAX_IO_CHANNELS), boc, layers, latent, groups,
				(float) c.number("scaling_factor", 0.18215, 1e-6, 1e6), c.bool("mid_block_add_attention", true), act);
		}
	}

	static final float EPS = 1e-6f;

	/** Posterior moments of an encoded image (unscaled latent space). */
	public record Posterior(NDArray mean, NDArray logvar) {
		public NDArray std() {
			return Scalars.times(logvar, 0.5f).exp();
		}

		public NDArray sample(NDArray noise) {
			return mean.add(std().mul(noise));
		}
	}

	public final Config config;
	final Encoder encoder;
	final Decoder decoder;
	final Conv2d quantConv, postQuantConv;

	public AutoencoderKL(WeightStore.Scope p, Config c) {
		this.config = c;
		encoder = new Encoder(p.scope("encoder"), c);
		decoder = new Decoder(p.scope("decoder"), c);
		quantConv = new Conv2d(p.scope("quant_conv"), 2 * c.latentChannels(), 2 * c.latentChannels(), 1, 1, 0);
		postQuantConv = new Conv2d(p.scope("post_quant_conv"), c.latentChannels(), c.latentChannels(), 1, 1, 0);
	}

	/** @param image [B, 3, H, W] in [-1, 1]; @param taps named intermediates to keep, or null */
	public Posterior encode(NDArray image, Map<String, NDArray> taps) {
		NDArray moments = quantConv.forward(encoder.forward(image, taps));
		if (taps != null) taps.put("quant_conv", moments);
		return posterior(moments);
	}

	/** The posterior split off the moments [B, 2L, h, w], as {@link #encode} does. */
	private Posterior posterior(NDArray moments) {
		long l = config.latentChannels();
		NDArray mean = moments.get(":, 0:" + l);
		NDArray logvar = moments.get(":, " + l + ":").clip(-30f, 20f);
		return new Posterior(mean, logvar);
	}

	/**
	 * What {@link #encodeForBackward} keeps: the input of every checkpointed encoder stage (computed without an
	 * autograd graph), the input and graph of the stages after them, and the posterior. Owns its arrays;
	 * {@link #vectorJacobian} frees each checkpoint once it has used it.
	 */
	public static final class Checkpoints implements AutoCloseable {
		private final NDManager manager;
		private final List<NDArray> inputs;
		private final NDArray graphInput;
		private final Posterior posterior;

		private Checkpoints(NDManager manager, List<NDArray> inputs, NDArray graphInput, Posterior posterior) {
			this.manager = manager;
			this.inputs = inputs;
			this.graphInput = graphInput;
			this.posterior = posterior;
		}

		/** The posterior moments (with the graph of the stages not checkpointed); valid until {@link #close()}. */
		public Posterior posterior() {
			return posterior;
		}

		/** How many leading encoder stages were checkpointed (recomputed for the backward). */
		public int checkpointedStages() {
			return inputs.size();
		}

		@Override
		public void close() {
			manager.close();
		}
	}

	/**
	 * Stages whose input holds at least this many bytes are checkpointed, with every stage before them; the stages
	 * after them keep their graph. Chosen by the measured peak of a Peekaboo iteration on SD 1.5 at 256 px (issue 14's
	 * note): with every stage checkpointed it is 1.28x the weights, with the 4 full-resolution stages only 1.33x, with
	 * the whole graph 1.42x. So at 256 px and up every stage of SD's VAE is checkpointed (the smallest inputs, at
	 * 32x32, hold 2 MiB); small composites (tiny models, 128 px and less) keep the graph of their low-resolution
	 * stages, where it costs little memory and saves their recompute.
	 */
	public static final long CHECKPOINT_INPUT_BYTES = 2L << 20;

	/** Chooses the checkpointed stages by {@link #CHECKPOINT_INPUT_BYTES} (see {@link #checkpointedStages}). */
	public Checkpoints encodeForBackward(NDArray image) {
		return encodeForBackward(image, checkpointedStages(image.getShape(), image.getDataType()));
	}

	/**
	 * The number of leading encoder stages {@link #encodeForBackward(NDArray)} checkpoints for an image of this shape
	 * and type: up to the last stage whose input holds at least {@link #CHECKPOINT_INPUT_BYTES}.
	 */
	public int checkpointedStages(Shape image, ai.djl.ndarray.types.DataType type) {
		List<Stage> stages = stages();
		int n = 0;
		for (int k = 0; k < stages.size(); k++) {
			Stage st = stages.get(k);
			long bytes = image.get(0) * st.channels() * ceilDiv(image.get(2), st.scale()) * ceilDiv(image.get(3),
				st.scale()) * type.getNumOfBytes();
			if (bytes >= CHECKPOINT_INPUT_BYTES) n = k + 1;
		}
		return n;
	}

	/** The number of stages of the encoder chain (the most {@link #encodeForBackward(NDArray, int)} checkpoints). */
	public int encoderStages() {
		return stages().size();
	}

	private static long ceilDiv(long a, long b) {
		return (a + b - 1) / b;
	}

	/**
	 * Encodes like {@link #encode}, for {@link #vectorJacobian}: the first {@code checkpointed} stages of the encoder
	 * (a ResNet block, a downsampler, the mid-block attention, the output head each) run without an autograd graph and
	 * only their inputs are kept, so that the backward recomputes one stage at a time; the stages after them run with
	 * their graph, from a fresh leaf. This is gradient checkpointing: at 512 px the graph of the whole encoder holds
	 * several GB of activations, most of them in the high-resolution stages. Must run inside the caller's open
	 * collector when any stage keeps its graph ({@code checkpointed} below {@link #encoderStages()}).
	 *
	 * @param image [B, 3, H, W] in [-1, 1] (detached here; it is not modified)
	 * @param checkpointed 0 (the whole graph) to {@link #encoderStages()} (one stage's graph at a time)
	 * @return the checkpoints, in a sub-manager of the image's manager; close them when done
	 */
	public Checkpoints encodeForBackward(NDArray image, int checkpointed) {
		List<Stage> stages = stages();
		if (checkpointed < 0 || checkpointed > stages.size()) throw new IllegalArgumentException(
			"checkpointed stages must be 0 to " + stages.size() + ", not " + checkpointed);
		NDManager manager = image.getManager().newSubManager();
		try {
			List<NDArray> inputs = new ArrayList<>();
			NDArray x = image.stopGradient();
			x.attach(manager);
			try (InPlace.Restore r = InPlace.autogradOff()) { // no graph here: inference's in-place and banded forms
				for (int k = 0; k < checkpointed; k++) {
					inputs.add(x);
					x = stages.get(k).op().apply(x);
				}
			}
			NDArray graphInput = null;
			if (checkpointed < stages.size()) {
				graphInput = x;
				graphInput.setRequiresGradient(true);
				for (int k = checkpointed; k < stages.size(); k++) {
					NDArray y = stages.get(k).op().apply(x);
					// the graph holds what its backward needs; our handle on an intermediate is not needed
					if (x != graphInput) x.close();
					x = y;
				}
			}
			return new Checkpoints(manager, inputs, graphInput, posterior(x));
		}
		catch (RuntimeException | Error e) {
			manager.close();
			throw e;
		}
	}

	/**
	 * The vector-Jacobian product of the encoder: d/d(image) of sum(mean · gradMean) + sum(logvar · gradLogvar), the
	 * image and posterior being those of {@code c}. Back-propagates through the graph of the stages that kept it, then
	 * recomputes the checkpointed stages in reverse, each from its checkpoint made a fresh leaf, and back-propagates
	 * through that stage alone. Must run inside {@code gc}, the caller's open collector (DJL allows one at a time);
	 * the weights receive no gradient. Consumes the checkpoints ({@code c} is closed on return).
	 *
	 * @param gradMean d/d(mean) [B, L, h, w]
	 * @param gradLogvar d/d(logvar), or null when the objective uses the mean only
	 * @return d/d(image) [B, 3, H, W], in the manager of {@code gradMean}
	 */
	public NDArray vectorJacobian(GradientCollector gc, Checkpoints c, NDArray gradMean, NDArray gradLogvar) {
		NDManager caller = gradMean.getManager();
		List<Stage> stages = stages();
		NDArray grad = null;
		try (c) {
			if (c.graphInput != null) {
				gc.backward(objective(c.posterior, gradMean, gradLogvar));
				grad = c.graphInput.getGradient();
				grad.attach(c.manager);
			}
			for (int k = c.inputs.size() - 1; k >= 0; k--) {
				try (NDManager scope = c.manager.newSubManager()) {
					NDArray in = c.inputs.get(k).stopGradient();
					in.attach(scope);
					in.setRequiresGradient(true);
					NDArray out = stages.get(k).op().apply(in);
					gc.backward(k == stages.size() - 1 ? objective(posterior(out), gradMean, gradLogvar)
						: out.mul(grad).sum());
					if (grad != null) grad.close();
					grad = in.getGradient();
					grad.attach(c.manager);
					c.inputs.get(k).close();
				}
			}
			grad.attach(caller);
			return grad;
		}
	}

	/** sum(mean · gradMean) + sum(logvar · gradLogvar), the latter only when given. */
	private static NDArray objective(Posterior p, NDArray gradMean, NDArray gradLogvar) {
		NDArray objective = p.mean().mul(gradMean).sum();
		return gradLogvar == null ? objective : objective.add(p.logvar().mul(gradLogvar).sum());
	}

	/** One link of the encoder chain: what it computes, and the channels and downscaling of its input. */
	private record Stage(UnaryOperator<NDArray> op, int channels, long scale) {}

	/**
	 * The encoder followed by quant_conv as a chain of stages, in the order {@link Encoder#forward} runs them; each
	 * frees its intermediates on return.
	 */
	private List<Stage> stages() {
		List<Stage> s = new ArrayList<>();
		Encoder e = encoder;
		int[] boc = config.blockOut();
		s.add(new Stage(e.convIn::forward, config.inChannels(), 1));
		int prev = boc[0];
		long scale = 1;
		for (int i = 0; i < e.resnets.size(); i++) {
			for (ResnetBlock2D r : e.resnets.get(i)) {
				s.add(new Stage(x -> r.forward(x, null), prev, scale));
				prev = boc[i];
			}
			Sampling2D.Downsample down = e.downsamplers.get(i);
			if (down != null) {
				s.add(new Stage(x -> Scoped.apply(x, down::forward), prev, scale));
				scale *= 2;
			}
		}
		s.add(new Stage(x -> e.mid.r0.forward(x, null), prev, scale));
		if (e.mid.attn != null) s.add(new Stage(e.mid.attn::forward, prev, scale));
		s.add(new Stage(x -> e.mid.r1.forward(x, null), prev, scale));
		s.add(new Stage(x -> Scoped.apply(x, in -> quantConv.forward(e.convOut.forward(Activations.silu(
			e.normOut.forward(in))))), prev, scale));
		return s;
	}

	/** @param latents unscaled latents [B, L, h, w]; returns the image in roughly [-1, 1], unclamped */
	public NDArray decode(NDArray latents, Map<String, NDArray> taps) {
		NDArray z = postQuantConv.forward(latents);
		if (taps != null) taps.put("post_quant_conv", z);
		return decoder.forward(z, taps);
	}

	public float scalingFactor() {
		return config.scalingFactor();
	}

	static final class MidBlock {
		final ResnetBlock2D r0, r1;
		final VaeAttention attn;

		MidBlock(WeightStore.Scope p, int ch, Config c) {
			r0 = new ResnetBlock2D(p.scope("resnets.0"), ch, ch, 0, c.groups(), EPS);
			attn = c.midAttention() ? new VaeAttention(p.scope("attentions.0"), ch, c.groups(), EPS) : null;
			r1 = new ResnetBlock2D(p.scope("resnets.1"), ch, ch, 0, c.groups(), EPS);
		}

		NDArray forward(NDArray x) {
			NDArray a = r0.forward(x, null);
			NDArray b = attn != null ? attn.forward(a) : a;
			if (b != a) a.close();
			NDArray c = r1.forward(b, null);
			b.close();
			return c;
		}
	}

	static final class Encoder {
		final Conv2d convIn, convOut;
		final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
		final List<Sampling2D.Downsample> downsamplers = new ArrayList<>();
		final MidBlock mid;
		final Norms.GroupNorm normOut;

		Encoder(WeightStore.Scope p, Config c) {
			int[] boc = c.blockOut();
			convIn = new Conv2d(p.scope("conv_in"), c.inChannels(), boc[0], 3, 1, 1);
			int prev = boc[0];
			for (int i = 0; i < boc.length; i++) {
				WeightStore.Scope b = p.scope("down_blocks." + i);
				resnets.add(level(b, c.layersPerBlock(), prev, boc[i], c));
				boolean last = i == boc.length - 1;
				downsamplers.add(last ? null : new Sampling2D.Downsample(b.scope("downsamplers.0"), boc[i], true));
				prev = boc[i];
			}
			mid = new MidBlock(p.scope("mid_block"), prev, c);
			normOut = new Norms.GroupNorm(p.scope("conv_norm_out"), c.groups(), prev, EPS);
			convOut = new Conv2d(p.scope("conv_out"), prev, 2 * c.latentChannels(), 3, 1, 1);
		}

		NDArray forward(NDArray image, Map<String, NDArray> taps) {
			NDArray x = convIn.forward(image);
			tap(taps, "encoder.conv_in", x);
			for (int i = 0; i < resnets.size(); i++) {
				for (ResnetBlock2D r : resnets.get(i)) x = next(x, r.forward(x, null), taps);
				if (downsamplers.get(i) != null) x = next(x, downsamplers.get(i).forward(x), taps);
				tap(taps, "encoder.down_blocks." + i, x);
			}
			x = next(x, mid.forward(x), taps);
			tap(taps, "encoder.mid_block", x);
			return head("encoder", x, normOut, convOut, taps);
		}
	}

	static final class Decoder {
		final Conv2d convIn, convOut;
		final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
		final List<Sampling2D.Upsample> upsamplers = new ArrayList<>();
		final MidBlock mid;
		final Norms.GroupNorm normOut;

		Decoder(WeightStore.Scope p, Config c) {
			int[] boc = c.blockOut();
			int top = boc[boc.length - 1];
			convIn = new Conv2d(p.scope("conv_in"), c.latentChannels(), top, 3, 1, 1);
			mid = new MidBlock(p.scope("mid_block"), top, c);
			int prev = top;
			for (int i = 0; i < boc.length; i++) {
				int out = boc[boc.length - 1 - i];
				WeightStore.Scope b = p.scope("up_blocks." + i);
				resnets.add(level(b, c.layersPerBlock() + 1, prev, out, c));
				boolean last = i == boc.length - 1;
				upsamplers.add(last ? null : new Sampling2D.Upsample(b.scope("upsamplers.0"), out));
				prev = out;
			}
			normOut = new Norms.GroupNorm(p.scope("conv_norm_out"), c.groups(), prev, EPS);
			convOut = new Conv2d(p.scope("conv_out"), prev, c.outChannels(), 3, 1, 1);
		}

		NDArray forward(NDArray z, Map<String, NDArray> taps) {
			NDArray x = convIn.forward(z);
			tap(taps, "decoder.conv_in", x);
			x = next(x, mid.forward(x), taps);
			tap(taps, "decoder.mid_block", x);
			for (int i = 0; i < resnets.size(); i++) {
				for (ResnetBlock2D r : resnets.get(i)) x = next(x, r.forward(x, null), taps);
				if (upsamplers.get(i) != null) x = next(x, upsamplers.get(i).forward(x, null), taps);
				tap(taps, "decoder.up_blocks." + i, x);
			}
			return head("decoder", x, normOut, convOut, taps);
		}
	}

	/**
	 * The resnets of one level of the encoder or the decoder ({@code block}: its down or up block): {@code count}
	 * of them, {@code in} channels into the first, {@code out} out of each.
	 */
	static List<ResnetBlock2D> level(WeightStore.Scope block, int count, int in, int out, Config c) {
		List<ResnetBlock2D> rs = new ArrayList<>();
		for (int j = 0; j < count; j++)
			rs.add(new ResnetBlock2D(block.scope("resnets." + j), j == 0 ? in : out, out, 0, c.groups(), EPS));
		return rs;
	}

	/** How the encoder and the decoder end: conv_norm_out, SiLU, conv_out, tapped under {@code name}. */
	static NDArray head(String name, NDArray x, Norms.GroupNorm normOut, Conv2d convOut, Map<String, NDArray> taps) {
		if (taps == null && Bands.worthIt(x, convOut)) return next(x, Bands.normSiluConv(normOut, convOut, x), null);
		x = next(x, normOut.forward(x), taps);
		tap(taps, name + ".conv_norm_out", x);
		NDArray h = x;
		x = next(x, Scoped.apply(h, in -> convOut.forward(Activations.silu(in))), taps);
		tap(taps, name + ".conv_out", x);
		return x;
	}

	/** Frees an intermediate once its successor exists, unless it is kept as a tap. */
	static NDArray next(NDArray old, NDArray fresh, Map<String, NDArray> taps) {
		if (taps == null || taps.values().stream().noneMatch(t -> t == old)) Scoped.release(old, fresh); // identity, not contents
		return fresh;
	}

	static void tap(Map<String, NDArray> taps, String name, NDArray x) {
		if (taps != null) taps.put(name, x);
	}

	/** A fresh map for intermediates, in insertion order. */
	public static Map<String, NDArray> newTaps() {
		return new LinkedHashMap<>();
	}
}
