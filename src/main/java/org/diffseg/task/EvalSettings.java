package org.diffseg.task;

import java.nio.file.Path;

import org.diffseg.ovdiff.OvDiff;
import org.diffseg.peekaboo.PeekabooSettings;

/**
 * What {@link EvalTask} needs: a dataset folder (scenes.json), the method and its settings, where to write.
 *
 * @param method "peekaboo" or "ovdiff"
 * @param limit evaluate only the first {@code limit} images, or null for all
 * @param colourDistance RGB distance of the colour baseline
 * @param vaeCheckpointing Peekaboo: recompute the VAE encoder for the backward (null: by composite size)
 * @param bank OVDiff: the prototype bank folder, built once for the dataset's vocabulary and reused
 */
public record EvalSettings(Path dataset, Path model, String method, Integer limit, double colourDistance,
	PeekabooSettings peekaboo, Boolean vaeCheckpointing, OvDiff.Settings ovdiff, Path bank, Path out) {}
