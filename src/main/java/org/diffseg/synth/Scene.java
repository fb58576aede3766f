package org.diffseg.synth;

import java.util.List;

/**
 * One image of the synthetic world: {@code rgb} packed {@code 0xRRGGBB}, row-major, {@code width*height}; the caption
 * names the objects in order ("a red star and a red ring").
 */
public record Scene(int width, int height, int[] rgb, String caption, List<SceneObject> objects) {

	public Scene {
		if (rgb.length != width * height) throw new IllegalArgumentException("rgb has " + rgb.length + " pixels, not " +
			width + "x" + height);
		objects = List.copyOf(objects);
	}
}
