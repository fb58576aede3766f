package org.diffseg.peekaboo;

import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The "raster" and "raster bilateral" parametrisations: a learnable [P, H, W] logit tensor, initialised
 * standard normal like the authors' {@code torch.randn}; alpha = sigmoid(logits), or, for raster bilateral,
 * sigmoid(bilateral blur of the logits) (blur first, as in the authors' code).
 */
public final class RasterAlpha implements AlphaRepresentation {
	private final Kind kind;
	private final NDManager manager;
	private final int channels;
	private final long height;
	private final long width;
	private final NDArray logits;
	private final NDList parameters;
	private final BilateralProxyBlur blur;
	private final int blurIterations;

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
		if (kind != Kind.RASTER && kind != Kind.RASTER_BILATERAL)
			throw new IllegalArgumentException("RasterAlpha implements 'raster' and 'raster bilateral', not '" + kind + "'.");
		if (channels < 1 || height < 1 || width < 1)
			throw new IllegalArgumentException("An alpha mask needs at least one channel and one pixel, got " + channels
					+ " channels of " + height + "x" + width + ".");
		if ((guide != null) != kind.bilateral())
			throw new IllegalArgumentException("'" + kind + "' " + (kind.bilateral() ? "needs" : "takes no")
					+ " bilateral guide image.");
		this.kind = kind;
		this.channels = channels;
		this.height = height;
		this.width = width;
		this.manager = parent.newSubManager();
		boolean ok = false;
		try {
			logits = manager.create(init, new Shape(channels, height, width));
			logits.setName("image");
			logits.setRequiresGradient(true);
			parameters = new NDList(logits);
			if (guide != null) {
				checkGuide(guide, height, width);
				blur = new BilateralProxyBlur(manager, guide, bilateral);
				blurIterations = bilateral.iterations();
			} else {
				blur = null;
				blurIterations = 0;
			}
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	/** Refuses a guide whose size differs from the alpha's. */
	static void checkGuide(NDArray guide, long height, long width) {
		Shape g = guide.getShape();
		if (g.dimension() != 3 || g.get(1) != height || g.get(2) != width)
			throw new IllegalArgumentException("The bilateral guide image has shape " + g + " but must be [channels, "
					+ height + ", " + width + "] like the alpha; resize the guide to the image first.");
	}

	@Override
	public NDArray alpha() {
		if (blur == null)
			return Activation.sigmoid(logits);
		try (NDArray blurred = blur.apply(logits, blurIterations)) {
			return Activation.sigmoid(blurred);
		}
	}

	@Override
	public NDList parameters() {
		return parameters;
	}

	@Override
	public Kind kind() {
		return kind;
	}

	@Override
	public int channels() {
		return channels;
	}

	@Override
	public long height() {
		return height;
	}

	@Override
	public long width() {
		return width;
	}

	@Override
	public void close() {
		manager.close();
	}
}
