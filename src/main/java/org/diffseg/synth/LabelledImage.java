package org.diffseg.synth;

import java.nio.file.Path;
import java.util.List;

/**
 * An annotated image as read from a dataset folder's {@code scenes.json} (synthetic scenes, or a user's own
 * annotated images): the image file, its caption (may be empty) and its objects. Paths are resolved against the
 * dataset folder. Read the pixels with {@link SceneDataset#readRgb(Path)} and {@link SceneDataset#readMask(Path)}.
 */
public record LabelledImage(Path image, String caption, List<LabelledObject> objects) {

	public LabelledImage {
		objects = List.copyOf(objects);
	}
}
