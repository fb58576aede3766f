package org.diffseg.ovdiff;

import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.diffseg.sd.nn.Resize;
import org.diffseg.vit.ImageNormalization;
import org.diffseg.vit.VisionTransformer;

/**
 * OVDiff's {@code ViTFeats.forward} shared by the CLIP and DINO extractors: the [0, 1] image resized (torch bilinear
 * without antialiasing, what torchvision 0.13 did to the authors' tensors) to the size the extractor chose,
 * normalised with the ImageNet statistics (for CLIP too, as the authors do), and the keys of one layer with heads
 * concatenated as a [C, R, C'] map. The authors order channels head-minor (d * heads + h); this order is
 * head-major (h * head_dim + d), a fixed permutation that cosine similarity and prototypes built with the same
 * extractor do not notice.
 * <p>
 * As a base class: what both extractors hold (the transformer and the layer of OVDiff's keys) and their {@link #id()}
 * and {@link #channels()}.
 */
abstract sealed class ViTKeyFeatures implements FeatureExtractor permits ClipFeatures, DinoFeatures {
	final VisionTransformer vision;
	final int layer;
	private final String id;

	/**
	 * @param name "CLIP" or "DINO"
	 * @param modelIdentity the model folder's {@link ModelFolderIdentity}
	 * @param input how inputs are sized, for the id
	 */
	ViTKeyFeatures(VisionTransformer vision, String name, String modelIdentity, String input) {
		if (modelIdentity == null || modelIdentity.isBlank()) throw new IllegalArgumentException("the " + name +
			" extractor needs its model's identity (ModelFolderIdentity.of(folder))");
		this.vision = vision;
		layer = vision.ovdiffKeyLayer();
		id = name.toLowerCase(Locale.ROOT) + "-keys[model=" + modelIdentity + ", layer=" + layer + ", " + input +
			" bilinear, imagenet-normalised]";
	}

	@Override
	public String id() {
		return id;
	}

	@Override
	public int channels() {
		return vision.config.hidden();
	}

	/** Checks that {@code image} is one RGB image [1, 3, H, W]. */
	static Shape requireImage(NDArray image, String who) {
		Shape s = image.getShape();
		if (s.dimension() != 4 || s.get(0) != 1 || s.get(1) != 3) throw new IllegalArgumentException(who + " takes " +
			"one RGB image [1, 3, H, W] in [0, 1], not " + s + ": convert the image to RGB first");
		return s;
	}

	/**
	 * @param image [1, 3, H, W] in [0, 1]
	 * @param height input height for the network (the image is resized to it when it differs)
	 * @return float32 [hidden, R, C] keys of {@code layer}, R x C the patch grid of height x width, on the image's
	 *         device, in the image's manager
	 */
	static NDArray extract(VisionTransformer vit, int layer, NDArray image, int height, int width) {
		NDManager owner = image.getManager();
		try (NDManager scope = owner.newSubManager(image.getDevice())) {
			NDArray resized = Resize.resize(image, height, width, Resize.Mode.BILINEAR);
			resized.attach(scope);
			NDArray pixels = ImageNormalization.IMAGENET.apply(resized);
			NDArray keys = vit.denseKeys(pixels, layer); // [1, R, C, D], in scope
			NDArray out = keys.squeeze(0).transpose(2, 0, 1).toType(DataType.FLOAT32, false)
				.toDevice(image.getDevice(), false);
			out.attach(owner);
			return out;
		}
	}
}
