package org.diffseg.peekaboo;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The "raster" and "raster bilateral" parametrisations: a learnable [P, H, W] logit tensor, initialised
 * standard normal like the authors' {@code torch.randn}; alpha = sigmoid(logits), or, for raster bilateral,
 * sigmoid(bilateral blur of the logits) (blur first, as in the authors' code).
 */
public final class RasterAlpha extends LogitAlpha {
	private final NDArray logits;
	private final NDList parameters;

	/**
	 * @param kind     {@link Kind#RASTER} or {@link Kind#RASTER_BILATERAL}
	 * @param parent   the manager (and device) the parameters are allocated under
	 * @param guide    [C, H, W] guide of the bilateral blur (required for raster bilateral, must be null for raster)
	 * @param bilateral blur settings (ignored for raster)
	 */
	public RasterAlpha(Kind kind, NDManager parent, int channels, long height, long width, NDArray guide,
			BilateralProxyBlur.Settings bilateral, long seed) {
		this(kind, parent, channels, height, width, guide, bilateral, initialLogits(channels, height, width, seed));
	}

	/** Standard normal logits, like the authors' torch.randn (none for an invalid shape, refused afterwards). */
	private static float[] initialLogits(int channels, long height, long width, long seed) {
		if (channels < 1 || height < 1 || width < 1)
			return new float[0];
		return ParameterInit.gaussian(new SplittableRandom(seed), Math.toIntExact(channels * height * width), 1);
	}

	/** A plain raster alpha starting from given logits [P, H, W] (copied), e.g. a reference computation's. */
	static RasterAlpha fromLogits(NDManager parent, NDArray logits) {
		Shape s = logits.getShape();
		return new RasterAlpha(Kind.RASTER, parent, Math.toIntExact(s.get(0)), s.get(1), s.get(2), null, null,
				logits.toFloatArray());
	}

	private RasterAlpha(Kind kind, NDManager parent, int channels, long height, long width, NDArray guide,
			BilateralProxyBlur.Settings bilateral, float[] init) {
		super(checked(kind), parent, channels, height, width, guide, bilateral);
		boolean ok = false;
		try {
			logits = manager.create(init, new Shape(channels, height, width));
			logits.setName("image");
			logits.setRequiresGradient(true);
			parameters = new NDList(logits);
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	private static Kind checked(Kind kind) {
		if (kind != Kind.RASTER && kind != Kind.RASTER_BILATERAL)
			throw new IllegalArgumentException("RasterAlpha implements 'raster' and 'raster bilateral', not '" + kind + "'.");
		return kind;
	}

	@Override
	public NDArray alpha() {
		return sigmoid(logits);
	}

	@Override
	public NDList parameters() {
		return parameters;
	}
}
