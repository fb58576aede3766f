package org.diffseg.peekaboo;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * A learnable alpha mask (paper §3.4): P channels (one per prompt) of H×W values in [0, 1], computed from
 * learnable parameters by differentiable NDArray ops, so it can be optimised inside a GradientCollector.
 * Implementations own their parameters (and any bilateral weights) in their own NDManager; {@link #close()}
 * frees them.
 */
public interface AlphaRepresentation extends AutoCloseable {

	/** The parametrisations of the paper and the authors' code, by their names there. */
	enum Kind {
		/** A learnable H×W logit tensor, sigmoid. */
		RASTER("raster"),
		/** Raster logits, bilateral proxy blur guided by the image, sigmoid. */
		RASTER_BILATERAL("raster bilateral"),
		/** Fourier-feature MLP, sigmoid. */
		FOURIER("fourier"),
		/** Fourier-feature MLP, bilateral proxy blur guided by the image, sigmoid: the authors' default. */
		FOURIER_BILATERAL("fourier bilateral"),
		/** Fourier-feature MLP, bilateral proxy blur guided by another image (e.g. a depth map), sigmoid. */
		GUIDED_BILATERAL("guided bilateral");

		public static final Kind DEFAULT = FOURIER_BILATERAL;

		private final String label;

		Kind(String label) {
			this.label = label;
		}

		/** The name users type, e.g. "fourier bilateral". */
		public String label() {
			return label;
		}

		public boolean bilateral() {
			return this != RASTER && this != FOURIER;
		}

		/** Parses a name, ignoring case and accepting '_' or '-' for the space ("fourier_bilateral"). */
		public static Kind fromName(String name) {
			String normalised = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replaceAll("[\\s_-]+", " ");
			for (Kind kind : values())
				if (kind.label.equals(normalised))
					return kind;
			throw new IllegalArgumentException("Unknown alpha representation '" + name + "'; use one of "
					+ Arrays.stream(values()).map(k -> "'" + k.label + "'").collect(Collectors.joining(", ")) + ".");
		}

		@Override
		public String toString() {
			return label;
		}
	}

	/**
	 * The alpha [P, H, W] in [0, 1], recomputed from the current parameters (differentiable when called inside
	 * a GradientCollector). The result is attached to this representation's manager: close it, or attach it
	 * to a per-iteration manager.
	 */
	NDArray alpha();

	/** The learnable parameters (leaf arrays with gradients enabled); owned by this object, do not close. */
	NDList parameters();

	Kind kind();

	/** P, the number of alpha channels. */
	int channels();

	long height();

	long width();

	@Override
	void close();

	/**
	 * Creates the named representation for {@code image} [3, H, W] in [0, 1] (the guide of the bilateral
	 * kinds), with {@code channels} alpha channels, allocated in a sub-manager of the image's manager.
	 * {@code guide} [C, H, W] (C >= 1, values in [0, 1]) is required by "guided bilateral" and ignored
	 * otherwise. Same seed, same device ⇒ the same initial parameters.
	 */
	static AlphaRepresentation create(String name, NDArray image, NDArray guide, int channels,
			BilateralProxyBlur.Settings bilateral, long seed) {
		return create(Kind.fromName(name), image, guide, channels, bilateral, seed);
	}

	/** See {@link #create(String, NDArray, NDArray, int, BilateralProxyBlur.Settings, long)}. */
	static AlphaRepresentation create(Kind kind, NDArray image, NDArray guide, int channels,
			BilateralProxyBlur.Settings bilateral, long seed) {
		Shape shape = image.getShape();
		if (shape.dimension() != 3)
			throw new IllegalArgumentException("The image must have shape [channels, height, width], got " + shape + ".");
		long height = shape.get(1);
		long width = shape.get(2);
		NDArray blurGuide = null;
		if (kind == Kind.GUIDED_BILATERAL) {
			if (guide == null)
				throw new IllegalArgumentException("The 'guided bilateral' representation needs a guide image (e.g. a depth "
						+ "map); give one, or choose 'fourier bilateral' to let the image guide the blur.");
			blurGuide = guide;
		} else if (kind.bilateral()) {
			blurGuide = image;
		}
		return switch (kind) {
		case RASTER, RASTER_BILATERAL -> new RasterAlpha(kind, image.getManager(), channels, height, width, blurGuide,
				bilateral, seed);
		case FOURIER, FOURIER_BILATERAL, GUIDED_BILATERAL -> new FourierFeatureAlpha(kind, image.getManager(), channels,
				height, width, blurGuide, bilateral, seed);
		};
	}
}
