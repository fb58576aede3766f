package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import org.diffseg.sd.nn.Bands;
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.WeightStore;

/** diffusers' Downsample2D and Upsample2D (with convolution). */
public final class Sampling2D {
	private Sampling2D() {}

	/**
	 * A 3x3 stride-2 convolution. The UNet pads 1 on every side; the VAE encoder (padding 0 in its config) pads one
	 * column on the right and one row at the bottom first.
	 */
	public static final class Downsample {
		final Conv2d conv;
		final boolean asymmetricPad;

		public Downsample(WeightStore.Scope p, int channels, boolean asymmetricPad) {
			this.asymmetricPad = asymmetricPad;
			conv = new Conv2d(p.scope("conv"), channels, channels, 3, 2, asymmetricPad ? 0 : 1);
		}

		public NDArray forward(NDArray x) {
			// pad spec is (last-axis before, after, second-to-last before, after)
			if (asymmetricPad) x = x.pad(new Shape(0, 1, 0, 1), 0);
			return conv.forward(x);
		}
	}

	/** Nearest-neighbour upsampling to twice the size (or to the skip connection's size), then a 3x3 convolution. */
	public static final class Upsample {
		final Conv2d conv;

		public Upsample(WeightStore.Scope p, int channels) {
			conv = new Conv2d(p.scope("conv"), channels, channels, 3, 1, 1);
		}

		/** @param size target [H, W], or null for twice the input size */
		public NDArray forward(NDArray x, long[] size) {
			Shape s = x.getShape();
			if (size == null && Bands.worthIt(x, 4)) return Bands.upsampleConv(conv, x);
			long[] target = size != null ? size : new long[] { s.get(2) * 2, s.get(3) * 2 };
			return conv.forward(x.getNDArrayInternal().interpolation(target, 0, false));
		}
	}
}
