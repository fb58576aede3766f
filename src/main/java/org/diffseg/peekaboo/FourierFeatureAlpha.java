package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/**
 * The "fourier", "fourier bilateral" (default) and "guided bilateral" parametrisations: a
 * {@link FourierFeatureNetwork} (128 Gaussian Fourier features of scale 10, 1x1-conv MLP 256 wide with
 * ReLU + training-mode BatchNorm) gives P logit channels; alpha = sigmoid(logits) for "fourier", or
 * sigmoid(bilateral blur of the logits) for the bilateral kinds, the blur's weights coming from the image
 * ("fourier bilateral") or from any other guide such as a depth map ("guided bilateral").
 */
public final class FourierFeatureAlpha implements AlphaRepresentation {
	private final Kind kind;
	private final NDManager manager;
	private final int channels;
	private final long height;
	private final long width;
	private final FourierFeatureNetwork network;
	private final BilateralProxyBlur blur;
	private final int blurIterations;

	/**
	 * @param kind      {@link Kind#FOURIER}, {@link Kind#FOURIER_BILATERAL} or {@link Kind#GUIDED_BILATERAL}
	 * @param parent    the manager (and device) the parameters are allocated under
	 * @param guide     [C, H, W] guide of the bilateral blur (required for the bilateral kinds, null for fourier)
	 * @param bilateral blur settings (ignored for fourier)
	 * @param seed      seeds the Fourier frequencies and the MLP initialisation
	 */
	public FourierFeatureAlpha(Kind kind, NDManager parent, int channels, long height, long width, NDArray guide,
			BilateralProxyBlur.Settings bilateral, long seed) {
		if (kind != Kind.FOURIER && kind != Kind.FOURIER_BILATERAL && kind != Kind.GUIDED_BILATERAL)
			throw new IllegalArgumentException("FourierFeatureAlpha implements 'fourier', 'fourier bilateral' and "
					+ "'guided bilateral', not '" + kind + "'.");
		if (channels < 1 || height < 1 || width < 1)
			throw new IllegalArgumentException("An alpha mask needs at least one channel and one pixel, got " + channels
					+ " channels of " + height + "x" + width + ".");
		if ((guide != null) != kind.bilateral())
			throw new IllegalArgumentException("'" + kind + "' " + (kind.bilateral() ? "needs" : "takes no")
					+ " bilateral guide image.");
		if (guide != null)
			RasterAlpha.checkGuide(guide, height, width);
		this.kind = kind;
		this.channels = channels;
		this.height = height;
		this.width = width;
		this.manager = parent.newSubManager();
		boolean ok = false;
		try {
			network = new FourierFeatureNetwork(manager, height, width, channels, FourierFeatureNetwork.DEFAULT_HIDDEN,
					FourierFeatureNetwork.DEFAULT_FEATURES, FourierFeatureNetwork.DEFAULT_SCALE, seed);
			blur = guide == null ? null : new BilateralProxyBlur(manager, guide, bilateral);
			blurIterations = guide == null ? 0 : bilateral.iterations();
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	@Override
	public NDArray alpha() {
		try (NDArray logits = network.logits()) {
			if (blur == null)
				return Activation.sigmoid(logits);
			try (NDArray blurred = blur.apply(logits, blurIterations)) {
				return Activation.sigmoid(blurred);
			}
		}
	}

	@Override
	public NDList parameters() {
		return network.parameters();
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
