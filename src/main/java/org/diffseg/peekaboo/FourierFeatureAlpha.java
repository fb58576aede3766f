package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The "fourier", "fourier bilateral" (default) and "guided bilateral" parametrisations: a
 * {@link FourierFeatureNetwork} (128 Gaussian Fourier features of scale 10, 1x1-conv MLP 256 wide with
 * ReLU + training-mode BatchNorm) gives P logit channels; alpha = sigmoid(logits) for "fourier", or
 * sigmoid(bilateral blur of the logits) for the bilateral kinds, the blur's weights coming from the image
 * ("fourier bilateral") or from any other guide such as a depth map ("guided bilateral").
 */
public final class FourierFeatureAlpha extends LogitAlpha {
	private final FourierFeatureNetwork network;

	/**
	 * @param kind      {@link Kind#FOURIER}, {@link Kind#FOURIER_BILATERAL} or {@link Kind#GUIDED_BILATERAL}
	 * @param parent    the manager (and device) the parameters are allocated under
	 * @param guide     [C, H, W] guide of the bilateral blur (required for the bilateral kinds, null for fourier)
	 * @param bilateral blur settings (ignored for fourier)
	 * @param seed      seeds the Fourier frequencies and the MLP initialisation
	 */
	public FourierFeatureAlpha(Kind kind, NDManager parent, int channels, long height, long width, NDArray guide,
			BilateralProxyBlur.Settings bilateral, long seed) {
		super(checked(kind), parent, channels, height, width, guide, bilateral);
		boolean ok = false;
		try {
			network = new FourierFeatureNetwork(manager, height, width, channels, FourierFeatureNetwork.DEFAULT_HIDDEN,
					FourierFeatureNetwork.DEFAULT_FEATURES, FourierFeatureNetwork.DEFAULT_SCALE, seed);
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	private static Kind checked(Kind kind) {
		if (kind != Kind.FOURIER && kind != Kind.FOURIER_BILATERAL && kind != Kind.GUIDED_BILATERAL)
			throw new IllegalArgumentException("FourierFeatureAlpha implements 'fourier', 'fourier bilateral' and "
					+ "'guided bilateral', not '" + kind + "'.");
		return kind;
	}

	@Override
	public NDArray alpha() {
		try (NDArray logits = network.logits()) {
			return sigmoid(logits);
		}
	}

	@Override
	public NDList parameters() {
		return network.parameters();
	}
}
