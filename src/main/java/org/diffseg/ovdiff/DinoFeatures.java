package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import org.diffseg.vit.ViTModel;
import org.diffseg.vit.VisionTransformer;

/**
 * DINO ViT-B/8 as an OVDiff feature extractor: the keys of the last layer. As the authors' {@code ViTFeats}: an input
 * whose sides are both at most 448 px is used as it is (windows of 448 and 336 px give 56 x 56 and 42 x 42 grids);
 * a larger one is resized so that its shorter side is 448 px, its longer side at most 800 px (torchvision's
 * {@code resize(size=448, max_size=800)}). Non-square inputs get DINO's row/column position interpolation (the
 * geometrically correct one); pixels beyond the last full 8 px patch are ignored, as DINO's strided convolution does.
 * Pixels are normalised with the ImageNet statistics. L2 normalisation is the segmenter's. The authors computed
 * support-image features separately, at the images' own 512 x 512 ({@code gen_vit_features.py}); here support images
 * and windows share {@link #extract}, so a 512 x 512 support image becomes 448 x 448.
 */
public final class DinoFeatures extends ViTKeyFeatures {
	/** OVDiff's limits: inputs with a side above SHORTER_SIDE are resized to it, the longer side capped at MAX_SIDE. */
	public static final int SHORTER_SIDE = 448, MAX_SIDE = 800;

	private final int shorterSide, maxSide;

	/** @param modelIdentity the DINO folder's {@link ModelFolderIdentity} */
	public DinoFeatures(ViTModel model, String modelIdentity) {
		this(model, modelIdentity, SHORTER_SIDE, MAX_SIDE);
	}

	/** @param shorterSide inputs larger than this on any side get this shorter side, and at most {@code maxSide} */
	public DinoFeatures(ViTModel model, String modelIdentity, int shorterSide, int maxSide) {
		super(model.vision, "DINO", modelIdentity, input(model.vision, shorterSide, maxSide));
		this.shorterSide = shorterSide;
		this.maxSide = maxSide;
	}

	/** The resize limits for the id, checked against the patch size. */
	private static String input(VisionTransformer vision, int shorterSide, int maxSide) {
		int patch = vision.config.patchSize();
		if (shorterSide < patch || maxSide <= shorterSide) throw new IllegalArgumentException("DINO's resize limits " +
			shorterSide + " / " + maxSide + " px must satisfy " + patch + " <= shorter side < longest side");
		return "input<=" + shorterSide + " kept, else shorter side " + shorterSide + " max " + maxSide;
	}

	/** @return [hidden, h / 8, w / 8] (floors) for the input size h x w of {@link #inputSize} */
	@Override
	public NDArray extract(NDArray image) {
		Shape s = requireImage(image, "the DINO feature extractor");
		int[] hw = inputSize((int) s.get(2), (int) s.get(3));
		int patch = vision.config.patchSize();
		if (hw[0] < patch || hw[1] < patch) throw new IllegalArgumentException("an image of " + hw[0] + "x" + hw[1] +
			" px is smaller than one " + patch + " px DINO patch: give a larger image");
		return extract(vision, layer, image, hw[0], hw[1]);
	}

	/**
	 * The network's input size {height, width} for an image of this size: unchanged when both sides are at most the
	 * shorter-side limit; else torchvision's rule: shorter side = limit, longer = int(limit * long / short), and if
	 * that exceeds the maximum, longer = maximum, shorter = int(maximum * shorter / longer).
	 */
	int[] inputSize(int height, int width) {
		if (height <= shorterSide && width <= shorterSide) return new int[] { height, width };
		int shortSide = Math.min(height, width), longSide = Math.max(height, width);
		int newShort = shorterSide, newLong = (int) ((double) shorterSide * longSide / shortSide);
		if (newLong > maxSide) {
			newShort = (int) ((double) maxSide * newShort / newLong);
			newLong = maxSide;
		}
		return width <= height ? new int[] { newLong, newShort } : new int[] { newShort, newLong };
	}
}
