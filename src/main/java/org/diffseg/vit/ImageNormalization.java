package org.diffseg.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Per-channel (x - mean) / std in float32, as torchvision's Normalize and the HF processors compute it. */
public record ImageNormalization(float[] mean, float[] std) {

	/** ImageNet statistics: DINO, and OVDiff's dense CLIP features (its ViTFeats normalises CLIP inputs with them too). */
	public static final ImageNormalization IMAGENET = new ImageNormalization(new float[] { 0.485f, 0.456f, 0.406f },
		new float[] { 0.229f, 0.224f, 0.225f });

	/** OpenAI CLIP's statistics: the image-level CLIP classifier (OVDiff's category pre-filter). */
	public static final ImageNormalization CLIP = new ImageNormalization(
		new float[] { 0.48145466f, 0.4578275f, 0.40821073f }, new float[] { 0.26862954f, 0.26130258f, 0.27577711f });

	public ImageNormalization {
		if (mean.length != std.length) throw new IllegalArgumentException("image_mean has " + mean.length +
			" values but image_std has " + std.length);
	}

	/** @param image float [N, C, H, W] (or [C, H, W]) in [0, 1]; C must equal the number of means */
	public NDArray apply(NDArray image) {
		Shape s = image.getShape();
		int channelAxis = s.dimension() - 3;
		if (channelAxis < 0 || s.get(channelAxis) != mean.length) throw new IllegalArgumentException("cannot " +
			"normalise an image of shape " + s + " with " + mean.length + " channel means: expected [N, " +
			mean.length + ", H, W]");
		Shape per = new Shape(mean.length, 1, 1);
		NDArray m = image.getManager().create(mean, per).toType(image.getDataType(), false);
		NDArray d = image.getManager().create(std, per).toType(image.getDataType(), false);
		NDArray out = image.sub(m).div(d);
		m.close();
		d.close();
		return out;
	}
}
