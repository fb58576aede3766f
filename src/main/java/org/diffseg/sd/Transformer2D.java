package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/**
 * diffusers' Transformer2DModel on continuous input: GroupNorm, proj_in (1x1 conv, or LinearLayer on tokens when
 * {@code use_linear_projection}), transformer blocks over the H*W tokens, proj_out, residual.
 */
public final class Transformer2D {
	final Norms.GroupNorm norm;
	final Conv2d convIn, convOut;
	final LinearLayer linearIn, linearOut;
	final List<BasicTransformerBlock> blocks = new ArrayList<>();
	final int inner;

	public Transformer2D(WeightStore.Scope p, int channels, int heads, int layers, int crossDim, int groups,
		boolean linearProjection, boolean onlyCross, boolean upcast)
	{
		int headDim = channels / heads;
		inner = heads * headDim;
		norm = new Norms.GroupNorm(p.scope("norm"), groups, channels, 1e-6f);
		if (linearProjection) {
			linearIn = new LinearLayer(p.scope("proj_in"), channels, inner, true);
			linearOut = new LinearLayer(p.scope("proj_out"), inner, channels, true);
			convIn = convOut = null;
		}
		else {
			convIn = new Conv2d(p.scope("proj_in"), channels, inner, 1, 1, 0);
			convOut = new Conv2d(p.scope("proj_out"), inner, channels, 1, 1, 0);
			linearIn = linearOut = null;
		}
		for (int i = 0; i < layers; i++)
			blocks.add(new BasicTransformerBlock(p.scope("transformer_blocks." + i), inner, heads, headDim, crossDim,
				onlyCross, upcast, 1e-5f));
	}

	public NDArray forward(NDArray x, NDArray context, AttentionTap tap) {
		return org.diffseg.sd.nn.Scoped.apply(x, in -> compute(in, context, tap));
	}

	private NDArray compute(NDArray x, NDArray context, AttentionTap tap) {
		Shape s = x.getShape();
		long b = s.get(0), h = s.get(2), w = s.get(3);
		NDArray t = norm.forward(x);
		if (convIn != null) t = toTokens(convIn.forward(t));
		else t = linearIn.forward(toTokens(t));
		for (BasicTransformerBlock block : blocks) {
			NDArray next = block.forward(t, context, tap, h, w);
			org.diffseg.sd.nn.Scoped.release(t, null);
			t = next;
		}
		NDArray out;
		if (convOut != null) out = convOut.forward(fromTokens(t, h, w));
		else out = fromTokens(linearOut.forward(t), h, w);
		return out.add(x);
	}

	static NDArray toTokens(NDArray x) {
		Shape s = x.getShape();
		return x.transpose(0, 2, 3, 1).reshape(s.get(0), s.get(2) * s.get(3), s.get(1));
	}

	static NDArray fromTokens(NDArray t, long h, long w) {
		Shape s = t.getShape();
		return t.reshape(s.get(0), h, w, s.get(2)).transpose(0, 3, 1, 2);
	}
}
