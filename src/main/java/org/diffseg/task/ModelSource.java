package org.diffseg.task;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

/**
 * Where a use case gets its models: loaded for this run ({@link LoadedModels}, the command line) or kept between runs
 * by Fiji's model service. The source owns what it returns: a use case never closes a model.
 */
public interface ModelSource {
	StableDiffusion stableDiffusion(Path folder) throws IOException;

	ClipModel clip(Path folder) throws IOException;

	ViTModel dino(Path folder) throws IOException;

	/** CLIP's category filter for the CLIP model in {@code clipFolder} (it keeps the class prompts it encoded). */
	CategoryFilter categoryFilter(Path clipFolder) throws IOException;
}
