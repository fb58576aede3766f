package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;

import org.diffseg.vit.ClipModel;
import org.diffseg.vit.VisionTransformer;

/**
 * CLIP ViT-B/16 as an OVDiff feature extractor (paper appendix C.2: the keys of the second-to-last layer beat the
 * tokens). As the authors' {@code ViTFeats}: every input (support image or window) is resized to 448 x 448, a 28 x 28
 * grid on the 14 x 14 position table, so the table is always resampled square and row/column order cannot matter;
 * the pixels are normalised with the ImageNet statistics, not CLIP's own (those are for the image classifier, see
 * {@link CategoryFilter}). L2 normalisation is the segmenter's. The authors computed support-image features
 * separately, at the images' own 512 x 512 ({@code gen_vit_features.py}); here support images and windows share
 * {@link #extract}, so support images are resized to 448 x 448 too.
 */
public final class ClipFeatures extends ViTKeyFeatures {
	/** OVDiff's CLIP input size. */
	public static final int DEFAULT_SIZE = 448;

	private final int size;

	/** @param modelIdentity the CLIP folder's {@link ModelFolderIdentity} */
	public ClipFeatures(ClipModel model, String modelIdentity) {
		this(model, modelIdentity, DEFAULT_SIZE);
	}

	/**
	 * @param size every input is resized to size x size (the tests use a model's 2x native size, as 448 is for
	 *        ViT-B/16)
	 */
	public ClipFeatures(ClipModel model, String modelIdentity, int size) {
		super(model.vision, "CLIP", modelIdentity, input(model.vision, size));
		this.size = size;
	}

	/** The input size for the id, checked against the patch size. */
	private static String input(VisionTransformer vision, int size) {
		int patch = vision.config.patchSize();
		if (size < patch) throw new IllegalArgumentException("the CLIP input size " + size + " is smaller than one " +
			patch + " px patch");
		return "input=" + size + "x" + size;
	}

	/** @return [hidden, size / patch, size / patch] */
	@Override
	public NDArray extract(NDArray image) {
		requireImage(image, "the CLIP feature extractor");
		return extract(vision, layer, image, size, size);
	}
}
