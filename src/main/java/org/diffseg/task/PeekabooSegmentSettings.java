package org.diffseg.task;

import java.nio.file.Path;
import java.util.List;

import org.diffseg.peekaboo.PeekabooSettings;

/**
 * What {@link PeekabooSegmentTask} needs besides the image. The defaults are the engine's, in
 * {@link PeekabooSettings#builder()}.
 *
 * @param model the Stable Diffusion folder
 * @param prompts what to segment: one alpha map, mask and ROI each
 * @param guide the guide of "guided bilateral" (e.g. a depth map), or null. Each plane of the image is guided by the
 * same plane of the guide when the guide has as many slices and frames, else by the guide's chosen plane.
 */
public record PeekabooSegmentSettings(Path model, List<String> prompts, PeekabooSettings peekaboo, SourceImage guide) {
	public PeekabooSegmentSettings {
		prompts = List.copyOf(prompts);
	}
}
