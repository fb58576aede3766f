package org.diffseg.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.ClipFeatures;
import org.diffseg.ovdiff.DinoFeatures;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

import picocli.CommandLine.Option;

/**
 * --clip and --dino: OVDiff's further feature extractors (their similarity maps are averaged with Stable Diffusion's)
 * and CLIP's category pre-filter. The models are loaded by {@link #open} and freed by {@link Loaded#close()}.
 */
public final class VitOptions {

	@Option(names = "--clip", description = "CLIP ViT-B/16 folder (Hugging Face layout, e.g. openai/clip-vit-base-patch16): " +
		"adds CLIP features and the category pre-filter.")
	Path clip;

	@Option(names = "--dino", description = "DINO ViT-B/8 folder (Hugging Face layout, e.g. facebook/dino-vitb8): adds " +
		"DINO features.")
	Path dino;

	@Option(names = "--no-category-filter", description = "With --clip: match every class instead of those CLIP " +
		"finds in the image (the paper reports about 10 mIoU less on VOC without the filter).")
	boolean noCategoryFilter;

	/** The loaded ViT models, their extractors, and the category filter (null unless asked for). */
	public record Loaded(List<FeatureExtractor> extractors, CategoryFilter filter, List<AutoCloseable> models)
		implements AutoCloseable
	{
		@Override
		public void close() {
			for (AutoCloseable m : models) {
				try {
					m.close();
				}
				catch (Exception e) {
					// freeing native memory at exit: nothing to report
				}
			}
		}
	}

	public Loaded open(Device device, DataType dtype) throws IOException {
		List<FeatureExtractor> extractors = new ArrayList<>();
		List<AutoCloseable> models = new ArrayList<>();
		CategoryFilter filter = null;
		try {
			if (clip != null) {
				ClipModel model = ClipModel.load(clip, device, dtype);
				models.add(model);
				extractors.add(new ClipFeatures(model, ModelFolderIdentity.of(clip)));
				if (!noCategoryFilter) filter = new CategoryFilter(model, ClipTokenizer.load(clip));
			}
			if (dino != null) {
				ViTModel model = ViTModel.load(dino, device, dtype);
				models.add(model);
				extractors.add(new DinoFeatures(model, ModelFolderIdentity.of(dino)));
			}
			return new Loaded(extractors, filter, models);
		}
		catch (IOException | RuntimeException e) {
			new Loaded(extractors, null, models).close();
			throw e;
		}
	}
}
