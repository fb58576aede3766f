package org.diffseg.peekaboo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Peekaboo's bilateral proxy blur (paper §3.4.1): per-pixel blur weights are computed once from a guide
 * image (its colours decide which neighbours belong together) and then applied, any number of times, to
 * another image such as the alpha logits, so the alpha follows the guide's edges.
 * <p>
 * For kernel cell (u, v), R = K / 2, the neighbour of pixel (y, x) is (y - (v - R), x - (u - R)); the
 * weight is S[u, v] · exp(-½ (‖guide(neighbour) - guide(y, x)‖ / tolerance)²) with S a normalised K×K
 * Gaussian, 0 for neighbours outside the image, and the weights of each pixel are normalised to sum 1.
 * <p>
 * {@link #apply} is built from differentiable NDArray ops only, so it can run inside a GradientCollector.
 * The weights live in a manager owned by this object; {@link #close()} frees them.
 */
public final class BilateralProxyBlur implements AutoCloseable {

	/** Blur settings; {@link #DEFAULTS} are the authors' segmentation defaults (K=3, σ=5, tolerance 0.08, 40 iterations). */
	public record Settings(int kernelSize, double sigma, double tolerance, int iterations) {
		public static final Settings DEFAULTS = new Settings(3, 5, 0.08, 40);

		public Settings {
			if (kernelSize < 1 || kernelSize % 2 == 0)
				throw new IllegalArgumentException("Bilateral kernel size must be an odd number >= 1, got " + kernelSize
						+ "; use e.g. 3 or 5.");
			if (!(sigma > 0) || Double.isInfinite(sigma))
				throw new IllegalArgumentException("Bilateral sigma must be a positive number, got " + sigma + "; the default is 5.");
			if (!(tolerance > 0) || Double.isInfinite(tolerance))
				throw new IllegalArgumentException("Bilateral tolerance must be a positive number, got " + tolerance
						+ "; the default is 0.08.");
			if (iterations < 0)
				throw new IllegalArgumentException("Bilateral iterations must be >= 0, got " + iterations + "; the default is 40.");
		}
	}

	private final NDManager manager;
	private final int kernelSize;
	private final long height;
	private final long width;
	/** Wt[u, v, y, x], float32. */
	private final NDArray weights;
	/** The same weights as [1, K*K, H, W], the layout {@link #apply} multiplies with. */
	private final NDArray flatWeights;
	/** One-hot [K*K, 1, K, K] filter whose correlation gathers every pixel's K*K neighbours (an "unfold"). */
	private final NDArray neighbourFilter;
	/** {@link #neighbours} per batch size. */
	private final java.util.Map<Long, NDArray> neighbourIndex = new java.util.HashMap<>();

	/**
	 * Computes the blur weights from {@code guide} [C, H, W] (any C >= 1, values normally in [0, 1]) in a
	 * sub-manager of {@code parent}, on its device.
	 */
	public BilateralProxyBlur(NDManager parent, NDArray guide, Settings settings) {
		Shape shape = guide.getShape();
		if (shape.dimension() != 3 || shape.get(0) < 1 || shape.get(1) < 1 || shape.get(2) < 1)
			throw new IllegalArgumentException("The bilateral guide image must have shape [channels, height, width], got "
					+ shape + "; pass one image, channels first.");
		this.kernelSize = settings.kernelSize();
		this.height = shape.get(1);
		this.width = shape.get(2);
		this.manager = parent.newSubManager();
		boolean ok = false;
		try {
			neighbourFilter = manager.create(neighbourFilterValues(kernelSize), new Shape((long) kernelSize * kernelSize, 1,
					kernelSize, kernelSize));
			weights = computeWeights(guide, settings.sigma(), settings.tolerance());
			flatWeights = weights.reshape(1, (long) kernelSize * kernelSize, height, width);
			ok = true;
		} finally {
			if (!ok)
				manager.close();
		}
	}

	/** Weights from {@code guide} in a sub-manager of the guide's manager; {@code settings.iterations()} is not used. */
	public BilateralProxyBlur(NDArray guide, Settings settings) {
		this(guide.getManager(), guide, settings);
	}

	/** Weights from {@code guide} for kernel size K (odd), spatial sigma and colour tolerance. */
	public BilateralProxyBlur(NDArray guide, int kernelSize, double sigma, double tolerance) {
		this(guide, new Settings(kernelSize, sigma, tolerance, 0));
	}

	/**
	 * The spatial kernel S[u, v] = exp(-(i_u² + i_v²) / (2σ²)), i = -R..R, normalised to sum 1; computed in
	 * double precision and returned row-major ([u * K + v]) as float, the precision it is used in.
	 */
	public static float[] spatialKernel(int kernelSize, double sigma) {
		new Settings(kernelSize, sigma, 1, 0);
		int r = kernelSize / 2;
		double[] s = new double[kernelSize * kernelSize];
		double sum = 0;
		for (int u = 0; u < kernelSize; u++)
			for (int v = 0; v < kernelSize; v++) {
				int iu = u - r;
				int iv = v - r;
				s[u * kernelSize + v] = Math.exp(-(iu * iu + iv * iv) / (2 * sigma * sigma));
				sum += s[u * kernelSize + v];
			}
		float[] out = new float[s.length];
		for (int i = 0; i < s.length; i++)
			out[i] = (float) (s[i] / sum);
		return out;
	}

	public int kernelSize() {
		return kernelSize;
	}

	public long height() {
		return height;
	}

	public long width() {
		return width;
	}

	/** The weights Wt[u, v, y, x] (float32, [K, K, H, W]); owned by this object, do not close. */
	public NDArray weights() {
		return weights;
	}

	/**
	 * Applies the weights {@code iterations} times to {@code x} of shape [C, H, W] or [B, C, H, W] (H, W of
	 * the guide), every channel independently. Differentiable in {@code x}; the result is attached to x's
	 * manager and the intermediates are freed.
	 */
	public NDArray apply(NDArray x, int iterations) {
		if (iterations < 0)
			throw new IllegalArgumentException("Bilateral iterations must be >= 0, got " + iterations + ".");
		Shape shape = x.getShape();
		int rank = shape.dimension();
		if ((rank != 3 && rank != 4) || shape.get(rank - 2) != height || shape.get(rank - 1) != width)
			throw new IllegalArgumentException("Cannot blur an array of shape " + shape + " with bilateral weights of a "
					+ height + "x" + width + " guide; give [C, " + height + ", " + width + "] or [B, C, " + height + ", "
					+ width + "] (resize the guide to the alpha size first).");
		if (x.getDataType() != DataType.FLOAT32)
			throw new IllegalArgumentException("The bilateral blur works on float32 arrays, got " + x.getDataType() + ".");
		// Every channel becomes one single-channel image of a batch, so one convolution gathers all neighbours.
		NDArray current = x.reshape(shape.size() / (height * width), 1, height, width);
		for (int i = 0; i < iterations; i++) {
			NDArray next = step(current);
			current.close();
			current = next;
		}
		NDArray out = current.reshape(shape);
		current.close();
		return out;
	}

	/**
	 * One application on [N, 1, H, W]: gather every pixel's K*K neighbours with one indexed read ({@link #neighbours}),
	 * weight them, sum. Three recorded ops per application (and three in the backward, the gather's being one scatter-add),
	 * where gathering by slices of the padded image took a pad, K*K slices and a concatenation, and their backward as
	 * many full-size zero-filled gradients: the bilateral blur runs 40 times per Peekaboo iteration, and on the CPU its
	 * cost was the number of ops, not the arithmetic.
	 */
	private NDArray step(NDArray images) {
		long n = images.getShape().get(0);
		try (NDArray gathered = images.take(neighbours(n)); NDArray weighted = gathered.mul(flatWeights)) {
			return weighted.sum(new int[] { 1 }, true);
		}
	}

	/**
	 * The flat indices [N, K*K, H, W] (int64) of each pixel's neighbours in an [N, 1, H, W] batch: cell (u, v) of pixel
	 * (y, x) of image i reads (i, y - (v - R), x - (u - R)). A neighbour outside the image has weight 0; its index is
	 * the pixel itself, so it adds 0 (the blurred arrays are finite: logits, or a checked guide). Cached per N.
	 */
	private synchronized NDArray neighbours(long n) {
		NDArray cached = neighbourIndex.get(n);
		if (cached != null) return cached;
		int k = kernelSize, r = k / 2, h = Math.toIntExact(height), w = Math.toIntExact(width);
		long plane = (long) h * w;
		long[] idx = new long[Math.toIntExact(n * k * k * plane)];
		int at = 0;
		for (long i = 0; i < n; i++)
			for (int u = 0; u < k; u++)
				for (int v = 0; v < k; v++)
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							int ny = y - (v - r), nx = x - (u - r);
							boolean inside = ny >= 0 && ny < h && nx >= 0 && nx < w;
							idx[at++] = i * plane + (inside ? (long) ny * w + nx : (long) y * w + x);
						}
		NDArray index = manager.create(idx, new Shape(n, (long) k * k, h, w));
		neighbourIndex.put(n, index);
		return index;
	}

	private NDArray computeWeights(NDArray guide, double sigma, double tolerance) {
		long c = guide.getShape().get(0);
		long kk = (long) kernelSize * kernelSize;
		long pad = kernelSize / 2;
		try (NDManager temp = manager.newSubManager()) {
			NDArray onDevice = guide.toDevice(manager.getDevice(), true);
			onDevice.attach(temp);
			NDArray g = onDevice.toType(DataType.FLOAT32, true);
			g.attach(temp);
			if (g.isInfinite().any().getBoolean() || g.isNaN().any().getBoolean())
				throw new IllegalArgumentException("The bilateral guide image contains NaN or infinite values; "
						+ "replace them (e.g. by 0) before segmenting.");
			NDArray planes = g.reshape(c, 1, height, width);
			// [C, K*K, H, W]: the guide at each pixel's neighbours; padding marks neighbours outside the image.
			NDArray neighbours = Conv2d.conv2d(planes, neighbourFilter, null, new Shape(1, 1), new Shape(pad, pad))
					.singletonOrThrow();
			NDArray inside = Conv2d.conv2d(temp.ones(new Shape(1, 1, height, width)), neighbourFilter, null,
					new Shape(1, 1), new Shape(pad, pad)).singletonOrThrow().reshape(kk, height, width);
			NDArray distance = neighbours.sub(planes).square().sum(new int[] { 0 }).sqrt();
			NDArray colour = distance.div((float) tolerance).square().mul(-0.5f).exp();
			NDArray spatial = temp.create(spatialKernel(kernelSize, sigma), new Shape(kk, 1, 1));
			NDArray raw = colour.mul(spatial).mul(inside);
			NDArray normalised = raw.div(raw.sum(new int[] { 0 }, true));
			NDArray result = normalised.reshape(kernelSize, kernelSize, height, width);
			result.attach(manager);
			return result;
		}
	}

	/** Channel u*K+v picks input offset (v - R, u - R) backwards, i.e. filter tap (2R - v, 2R - u) of a correlation. */
	private static float[] neighbourFilterValues(int k) {
		int r = k / 2;
		float[] f = new float[k * k * k * k];
		for (int u = 0; u < k; u++)
			for (int v = 0; v < k; v++) {
				int channel = u * k + v;
				int row = 2 * r - v;
				int col = 2 * r - u;
				f[channel * k * k + row * k + col] = 1f;
			}
		return f;
	}

	@Override
	public void close() {
		manager.close();
	}
}
