package org.diffseg.options;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.ClipFeatures;
import org.diffseg.ovdiff.DinoFeatures;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.task.OvDiffBuilder;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

import picocli.CommandLine.Option;

/**
 * --clip and --dino: OVDiff's further feature extractors (their similarity maps are averaged with Stable Diffusion's)
 * and CLIP's category pre-filter. The tasks load the models themselves ({@link #apply}); a benchmark loads them with
 * {@link #open} and frees them with {@link Loaded#close()}.
 */
public final class VitOptions implements Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--clip", description = "CLIP ViT-B/16 folder (Hugging Face layout, e.g. openai/clip-vit-base-patch16): " +
		"adds CLIP features and the category pre-filter.")
	String clip;

	@Option(names = "--dino", description = "DINO ViT-B/8 folder (Hugging Face layout, e.g. facebook/dino-vitb8): adds " +
		"DINO features.")
	String dino;

	@Option(names = "--no-category-filter", description = "With --clip: match every class instead of those CLIP " +
		"finds in the image (the paper reports about 10 mIoU less on VOC without the filter).")
	boolean noCategoryFilter;

	/** The CLIP folder, or null. */
	public Path clip() {
		return clip == null ? null : Path.of(clip);
	}

	/** The DINO folder, or null. */
	public Path dino() {
		return dino == null ? null : Path.of(dino);
	}

	public boolean categoryFilter() {
		return !noCategoryFilter;
	}

	/** Gives the folders to either OVDiff task's settings (prototypes of these extractors, or their features). */
	public <B extends OvDiffBuilder<B>> B apply(B builder) {
		return builder.clip(clip()).dino(dino());
	}

	/** Makes the folders absolute (a Spark job's executors need not share the driver's working folder). */
	public void makeAbsolute() {
		if (clip != null) clip = Path.of(clip).toAbsolutePath().normalize().toString();
		if (dino != null) dino = Path.of(dino).toAbsolutePath().normalize().toString();
	}

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
				ClipModel model = ClipModel.load(clip(), device, dtype);
				models.add(model);
				extractors.add(new ClipFeatures(model, ModelFolderIdentity.of(clip())));
				if (!noCategoryFilter) filter = new CategoryFilter(model, ClipTokenizer.load(clip()));
			}
			if (dino != null) {
				ViTModel model = ViTModel.load(dino(), device, dtype);
				models.add(model);
				extractors.add(new DinoFeatures(model, ModelFolderIdentity.of(dino())));
			}
			return new Loaded(extractors, filter, models);
		}
		catch (IOException | RuntimeException e) {
			new Loaded(extractors, null, models).close();
			throw e;
		}
	}
}
