package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A dense image feature extractor (paper §3.3 Φ_v): Stable Diffusion's attention queries, CLIP or DINO attention keys.
 * The same extractor computes the support-image features the prototypes are made of and the features of the images
 * being segmented, so it must be deterministic for given settings.
 */
public interface FeatureExtractor {

	/**
	 * Stable identity including every setting that changes the features (model, layers, timestep, resolution, ...):
	 * prototypes are stored and looked up under it.
	 */
	String id();

	/** Feature channels C. */
	int channels();

	/**
	 * @param image [1, 3, H, W] RGB in [0, 1], any size (the extractor resizes as it needs)
	 * @return a [C, h, w] feature map on any grid covering the image, in {@code image}'s manager
	 */
	NDArray extract(NDArray image);

	/**
	 * Several extractors used together: the segmenter computes each one's cosine-similarity maps against its own
	 * prototypes and averages the maps (paper §4.1), rather than concatenating features of different spaces.
	 */
	record Ensemble(List<FeatureExtractor> members) {
		public Ensemble {
			if (members.isEmpty()) throw new IllegalArgumentException("an ensemble needs at least one feature extractor");
			Set<String> ids = new HashSet<>();
			for (FeatureExtractor e : members) if (!ids.add(e.id())) throw new IllegalArgumentException(
				"feature extractor " + e.id() + " is in the ensemble twice");
			members = List.copyOf(members);
		}

		public static Ensemble of(FeatureExtractor... members) {
			return new Ensemble(List.of(members));
		}
	}
}
