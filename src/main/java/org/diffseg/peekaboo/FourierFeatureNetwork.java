package org.diffseg.peekaboo;

import java.util.Arrays;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

/**
 * The neural texture of Peekaboo's Fourier parametrisations (from the authors' TRITON code): Gaussian
 * Fourier features of every pixel's uv coordinate go through a per-pixel MLP written as 1x1 convolutions,
 * 2F → hidden → hidden → hidden → C, each hidden convolution followed by ReLU and then BatchNorm in
 * training mode (statistics over the pixels of this one image, as the authors' module never leaves
 * training mode). The output is the raw logits; callers add the sigmoid (and the bilateral blur).
 * <p>
 * Parameters are initialised like PyTorch's defaults from a seeded generator: Kaiming-uniform convolution
 * weights (a = √5) and biases, both within ±1/√fan_in, BatchNorm γ = 1, β = 0.
 */
final class FourierFeatureNetwork implements AutoCloseable {
	static final int HIDDEN_LAYERS = 3;
	static final int DEFAULT_HIDDEN = 256;
	static final int DEFAULT_FEATURES = 128;
	static final double DEFAULT_SCALE = 10;
	/** PyTorch BatchNorm2d defaults. */
	private static final float BATCH_NORM_EPS = 1e-5f;
	private static final float BATCH_NORM_MOMENTUM = 0.1f;

	private final NDManager manager;
	private final long height;
	private final long width;
	/** The Fourier features as [H*W, 2F]. */
	private final NDArray features;
	private final NDArray[] convWeights = new NDArray[HIDDEN_LAYERS + 1];
	private final NDArray[] convBiases = new NDArray[HIDDEN_LAYERS + 1];
	private final NDArray[] gammas = new NDArray[HIDDEN_LAYERS];
	private final NDArray[] betas = new NDArray[HIDDEN_LAYERS];
	/** Updated in place by every training-mode BatchNorm call, as in PyTorch, but never read. */
	private final NDArray[] runningMeans = new NDArray[HIDDEN_LAYERS];
	private final NDArray[] runningVars = new NDArray[HIDDEN_LAYERS];
	private final NDList parameters = new NDList();

	FourierFeatureNetwork(NDManager parent, long height, long width, int outChannels, int hiddenDim, int numFeatures,
			double scale, long seed) {
		if (height < 1 || width < 1 || outChannels < 1 || hiddenDim < 1 || numFeatures < 1)
			throw new IllegalArgumentException("Fourier feature network needs positive sizes, got " + height + "x" + width
					+ ", " + outChannels + " outputs, " + hiddenDim + " hidden, " + numFeatures + " features.");
		manager = parent.newSubManager();
		boolean ok = false;
		try {
			SplittableRandom random = new SplittableRandom(seed);
			try (NDManager temp = manager.newSubManager()) {
				NDArray channelMajor = GaussianFourierFeatures.encode(temp, height, width, numFeatures, scale, random);
				// one row of 2F features per pixel, contiguous: the layout of the per-pixel matrix products
				features = channelMajor.reshape(2L * numFeatures, height * width).transpose(1, 0).duplicate();
				features.attach(manager);
			}
			this.height = height;
			this.width = width;
			long in = 2L * numFeatures;
			for (int layer = 0; layer <= HIDDEN_LAYERS; layer++) {
				long out = layer < HIDDEN_LAYERS ? hiddenDim : outChannels;
				// Named after the authors' nn.Sequential indices (conv, ReLU, BatchNorm per block).
				String conv = "model." + 3 * layer;
				double bound = ParameterInit.convBound(in);
				convWeights[layer] = parameter(ParameterInit.uniform(random, Math.toIntExact(out * in), bound),
						new Shape(out, in, 1, 1), conv + ".weight");
				convBiases[layer] = parameter(ParameterInit.uniform(random, Math.toIntExact(out), bound), new Shape(out),
						conv + ".bias");
				if (layer < HIDDEN_LAYERS) {
					String norm = "model." + (3 * layer + 2);
					gammas[layer] = parameter(filled(out, 1f), new Shape(out), norm + ".weight");
					betas[layer] = parameter(filled(out, 0f), new Shape(out), norm + ".bias");
					runningMeans[layer] = manager.zeros(new Shape(out));
					runningVars[layer] = manager.ones(new Shape(out));
				}
				in = out;
			}
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	private NDArray parameter(float[] values, Shape shape, String name) {
		NDArray p = manager.create(values, shape);
		p.setName(name);
		p.setRequiresGradient(true);
		parameters.add(p);
		return p;
	}

	private static float[] filled(long n, float value) {
		float[] out = new float[Math.toIntExact(n)];
		Arrays.fill(out, value);
		return out;
	}

	/** The learnable parameters in the authors' order (weight, bias per conv; γ, β per BatchNorm); do not close. */
	NDList parameters() {
		return parameters;
	}

	/** The activations [1, hidden, H, W] after the first {@code layers} conv → ReLU → BatchNorm blocks. */
	NDArray hidden(int layers) {
		if (layers < 1 || layers > HIDDEN_LAYERS)
			throw new IllegalArgumentException("layers must be in 1.." + HIDDEN_LAYERS + ", got " + layers);
		try (NDArray pixels = pixelMajor(layers); NDArray channels = pixels.transpose(1, 0)) {
			return channels.reshape(1, pixels.getShape().get(1), height, width);
		}
	}

	/**
	 * The activations [H*W, C] after the first {@code layers} blocks, one row per pixel. A 1x1 convolution is a matrix
	 * product over the pixels, and BatchNorm with batch statistics over N, H, W is BatchNorm over these rows: the same
	 * function as the authors' NCHW modules, 20% faster on the CPU (no layout reorders, bias fused into the product).
	 */
	private NDArray pixelMajor(int layers) {
		NDArray x = features;
		for (int layer = 0; layer < layers; layer++) {
			NDArray next;
			try (NDArray conv = conv1x1(x, layer); NDArray relu = Activation.relu(conv)) {
				next = BatchNorm.batchNorm(relu, runningMeans[layer], runningVars[layer], gammas[layer], betas[layer], 1,
						BATCH_NORM_MOMENTUM, BATCH_NORM_EPS, true).singletonOrThrow();
			}
			if (x != features)
				x.close();
			x = next;
		}
		return x;
	}

	/** The 1x1 convolution {@code layer} of pixel rows [H*W, in]: [H*W, out], in x's manager. */
	private NDArray conv1x1(NDArray x, int layer) {
		Shape w = convWeights[layer].getShape();
		// the view goes to x's manager: made from a parameter it would otherwise stay in the parameters' manager
		try (NDArray matrix = convWeights[layer].reshape(w.get(0), w.get(1))) {
			matrix.attach(x.getManager());
			return Linear.linear(x, matrix, convBiases[layer]).singletonOrThrow();
		}
	}

	/** The network output [C, H, W] before any sigmoid; the caller closes it. */
	NDArray logits() {
		try (NDArray h = pixelMajor(HIDDEN_LAYERS); NDArray out = conv1x1(h, HIDDEN_LAYERS);
				NDArray channels = out.transpose(1, 0)) {
			return channels.reshape(out.getShape().get(1), height, width);
		}
	}

	@Override
	public void close() {
		manager.close();
	}
}
