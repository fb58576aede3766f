package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * What the alpha parametrisations share: P logit channels of H x W turned into alpha by a sigmoid, after a
 * bilateral proxy blur for the bilateral kinds; the parameters live in a sub-manager closed with the alpha.
 */
abstract class LogitAlpha implements AlphaRepresentation {
	private final Kind kind;
	/** Where the subclass allocates its parameters: closed by {@link #close()}. */
	protected final NDManager manager;
	private final int channels;
	private final long height;
	private final long width;
	private final BilateralProxyBlur blur;
	private final int blurIterations;

	/**
	 * Checks the shape and the guide, and opens the sub-manager with the blur (when there is a guide) in it.
	 *
	 * @param guide     [C, H, W] guide of the bilateral blur (required for the bilateral kinds, null otherwise)
	 * @param bilateral blur settings (ignored without a guide)
	 */
	LogitAlpha(Kind kind, NDManager parent, int channels, long height, long width, NDArray guide,
			BilateralProxyBlur.Settings bilateral) {
		if (channels < 1 || height < 1 || width < 1)
			throw new IllegalArgumentException("An alpha mask needs at least one channel and one pixel, got " + channels
					+ " channels of " + height + "x" + width + ".");
		if ((guide != null) != kind.bilateral())
			throw new IllegalArgumentException("'" + kind + "' " + (kind.bilateral() ? "needs" : "takes no")
					+ " bilateral guide image.");
		if (guide != null)
			checkGuide(guide, height, width);
		this.kind = kind;
		this.channels = channels;
		this.height = height;
		this.width = width;
		this.manager = parent.newSubManager();
		boolean ok = false;
		try {
			blur = guide == null ? null : new BilateralProxyBlur(manager, guide, bilateral);
			blurIterations = guide == null ? 0 : bilateral.iterations();
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

	/** sigmoid(logits), or sigmoid(bilateral blur of the logits) for the bilateral kinds (blur first, as the authors). */
	protected final NDArray sigmoid(NDArray logits) {
		if (blur == null)
			return Activation.sigmoid(logits);
		try (NDArray blurred = blur.apply(logits, blurIterations)) {
			return Activation.sigmoid(blurred);
		}
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
