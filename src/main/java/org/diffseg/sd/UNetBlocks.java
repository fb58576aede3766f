package org.diffseg.sd;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.diffseg.sd.nn.WeightStore;

/**
 * The UNet's down, mid and up blocks. One class each covers diffusers' plain and cross-attention variants
 * (DownBlock2D / CrossAttnDownBlock2D, UpBlock2D / CrossAttnUpBlock2D): the cross-attention variant is the plain
 * one with a Transformer2D after every ResNet.
 */
public final class UNetBlocks {
	private UNetBlocks() {}

	/** Settings shared by every block, from the UNet config. */
	record Common(int tembChannels, int groups, float eps, int crossDim, boolean linearProjection, boolean onlyCross,
		boolean upcast, int transformerLayers, int downsamplePadding) {}

	public static final class DownBlock {
		final List<ResnetBlock2D> resnets = new ArrayList<>();
		final List<Transformer2D> attentions = new ArrayList<>();
		final Sampling2D.Downsample downsampler;

		DownBlock(WeightStore.Scope p, boolean crossAttention, int layers, int in, int out, int heads,
			boolean downsample, Common c)
		{
			for (int j = 0; j < layers; j++) {
				resnets.add(new ResnetBlock2D(p.scope("resnets." + j), j == 0 ? in : out, out, c.tembChannels(),
					c.groups(), c.eps()));
				if (crossAttention) attentions.add(new Transformer2D(p.scope("attentions." + j), out, heads,
					c.transformerLayers(), c.crossDim(), c.groups(), c.linearProjection(), c.onlyCross(), c.upcast()));
			}
			downsampler = downsample ? new Sampling2D.Downsample(p.scope("downsamplers.0"), out,
				c.downsamplePadding() == 0) : null;
		}

		/** Appends every intermediate state to {@code skips}; returns the block output. */
		NDArray forward(NDArray x, NDArray temb, NDArray context, AttentionTap tap, List<NDArray> skips) {
			for (int j = 0; j < resnets.size(); j++) {
				x = resnets.get(j).forward(x, temb);
				if (!attentions.isEmpty()) {
					NDArray attended = attentions.get(j).forward(x, context, tap);
					x.close();
					x = attended;
				}
				skips.add(x);
			}
			if (downsampler != null) {
				x = downsampler.forward(x);
				skips.add(x);
			}
			return x;
		}
	}

	public static final class MidBlock {
		final List<ResnetBlock2D> resnets = new ArrayList<>();
		final List<Transformer2D> attentions = new ArrayList<>();

		MidBlock(WeightStore.Scope p, int channels, int heads, Common c) {
			resnets.add(new ResnetBlock2D(p.scope("resnets.0"), channels, channels, c.tembChannels(), c.groups(),
				c.eps()));
			attentions.add(new Transformer2D(p.scope("attentions.0"), channels, heads, c.transformerLayers(),
				c.crossDim(), c.groups(), c.linearProjection(), c.onlyCross(), c.upcast()));
			resnets.add(new ResnetBlock2D(p.scope("resnets.1"), channels, channels, c.tembChannels(), c.groups(),
				c.eps()));
		}

		NDArray forward(NDArray input, NDArray temb, NDArray context, AttentionTap tap) {
			NDArray x = resnets.get(0).forward(input, temb);
			for (int j = 0; j < attentions.size(); j++) {
				NDArray attended = attentions.get(j).forward(x, context, tap);
				x.close();
				x = resnets.get(j + 1).forward(attended, temb);
				attended.close();
			}
			return x;
		}
	}

	public static final class UpBlock {
		final List<ResnetBlock2D> resnets = new ArrayList<>();
		final List<Transformer2D> attentions = new ArrayList<>();
		final Sampling2D.Upsample upsampler;

		/**
		 * @param in channels of the matching down block's input (the last skip), @param prevOut channels coming from
		 * below
		 */
		UpBlock(WeightStore.Scope p, boolean crossAttention, int layers, int in, int out, int prevOut, int heads,
			boolean upsample, Common c)
		{
			for (int j = 0; j < layers; j++) {
				int skip = j == layers - 1 ? in : out;
				int resIn = j == 0 ? prevOut : out;
				resnets.add(new ResnetBlock2D(p.scope("resnets." + j), resIn + skip, out, c.tembChannels(), c.groups(),
					c.eps()));
				if (crossAttention) attentions.add(new Transformer2D(p.scope("attentions." + j), out, heads,
					c.transformerLayers(), c.crossDim(), c.groups(), c.linearProjection(), c.onlyCross(), c.upcast()));
			}
			upsampler = upsample ? new Sampling2D.Upsample(p.scope("upsamplers.0"), out) : null;
		}

		/** Consumes skips from the end of {@code skips}; {@code upsampleSize} is null for plain doubling. */
		NDArray forward(NDArray input, NDArray temb, NDArray context, AttentionTap tap, Deque<NDArray> skips,
			long[] upsampleSize, boolean freeInputs)
		{
			NDArray x = input;
			for (int j = 0; j < resnets.size(); j++) {
				NDArray skip = skips.removeLast();
				NDArray joined = x.concat(skip, 1);
				if (freeInputs || x != input) x.close();
				if (freeInputs) skip.close();
				x = resnets.get(j).forward(joined, temb);
				joined.close();
				if (!attentions.isEmpty()) {
					NDArray attended = attentions.get(j).forward(x, context, tap);
					x.close();
					x = attended;
				}
			}
			if (upsampler != null) {
				NDArray up = upsampler.forward(x, upsampleSize);
				x.close();
				x = up;
			}
			return x;
		}
	}
}
