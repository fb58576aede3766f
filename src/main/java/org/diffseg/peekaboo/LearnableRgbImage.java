package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/**
 * The learnable RGB image of Peekaboo's RGBA generation (paper §5, Algorithm 2; appendix B.2): a
 * {@link FourierFeatureNetwork} with 3 output channels and a sigmoid, so colours stay in [0, 1]. It is
 * optimised jointly with an {@link AlphaRepresentation}; use a different seed for the two.
 */
public final class LearnableRgbImage implements AutoCloseable {
	private final NDManager manager;
	private final FourierFeatureNetwork network;

	public LearnableRgbImage(NDManager parent, long height, long width, long seed) {
		manager = parent.newSubManager();
		boolean ok = false;
		try {
			network = new FourierFeatureNetwork(manager, height, width, 3, FourierFeatureNetwork.DEFAULT_HIDDEN,
					FourierFeatureNetwork.DEFAULT_FEATURES, FourierFeatureNetwork.DEFAULT_SCALE, seed);
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	/**
	 * The image [3, H, W] in [0, 1] from the current parameters; attached to this object's manager, so close it
	 * or attach it to a per-iteration manager.
	 */
	public NDArray image() {
		try (NDArray logits = network.logits()) {
			return Activation.sigmoid(logits);
		}
	}

	/** The learnable parameters; owned by this object, do not close. */
	public NDList parameters() {
		return network.parameters();
	}

	@Override
	public void close() {
		manager.close();
	}
}
