package org.diffseg.sd;

import ai.djl.ndarray.NDArray;

import org.diffseg.sd.nn.Activations;
import org.diffseg.sd.nn.Bands;
import org.diffseg.sd.nn.InPlace;
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.Norms;
import org.diffseg.sd.nn.WeightStore;

/** diffusers' ResnetBlock2D (default "default" time-embedding norm, output scale 1). */
public final class ResnetBlock2D {
	final Norms.GroupNorm norm1, norm2;
	final Conv2d conv1, conv2, shortcut;
	final LinearLayer timeEmbProj;

	/** @param tembChannels 0 when the block takes no time embedding (VAE) */
	public ResnetBlock2D(WeightStore.Scope p, int in, int out, int tembChannels, int groups, float eps) {
		norm1 = new Norms.GroupNorm(p.scope("norm1"), groups, in, eps);
		conv1 = new Conv2d(p.scope("conv1"), in, out, 3, 1, 1);
		timeEmbProj = tembChannels > 0 ? new LinearLayer(p.scope("time_emb_proj"), tembChannels, out, true) : null;
		norm2 = new Norms.GroupNorm(p.scope("norm2"), groups, out, eps);
		conv2 = new Conv2d(p.scope("conv2"), out, out, 3, 1, 1);
		shortcut = in != out ? new Conv2d(p.scope("conv_shortcut"), in, out, 1, 1, 0) : null;
	}

	/** @param temb [B, temb] or null */
	public NDArray forward(NDArray x, NDArray temb) {
		return org.diffseg.sd.nn.Scoped.apply(x, in -> compute(in, temb));
	}

	private NDArray compute(NDArray x, NDArray temb) {
		// each full-size intermediate is closed as soon as the next exists (the peak at 512 px is what they add up to)
		NDArray h = normActConv(norm1, conv1, x);
		if (timeEmbProj != null && temb != null) {
			NDArray t = timeEmbProj.forward(Activations.silu(temb));
			NDArray shifted = h.add(t.expandDims(2).expandDims(3));
			h.close();
			h = shifted;
		}
		NDArray out = normActConv(norm2, conv2, h);
		h.close();
		NDArray skip = shortcut != null ? shortcut.forward(x) : x;
		NDArray sum;
		if (InPlace.allowed(out)) sum = out.addi(skip); // skip + out == out + skip exactly: one full-size tensor fewer
		else {
			sum = skip.add(out);
			out.close();
		}
		if (skip != x) skip.close();
		return sum;
	}

	private static NDArray normActConv(Norms.GroupNorm norm, Conv2d conv, NDArray x) {
		if (Bands.worthIt(x, conv)) return Bands.normSiluConv(norm, conv, x);
		NDArray normed = norm.forward(x);
		NDArray activated = Activations.silu(normed);
		normed.close();
		NDArray out = conv.forward(activated);
		activated.close();
		return out;
	}
}
