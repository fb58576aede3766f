package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.ClipFeatures;
import org.diffseg.ovdiff.DinoFeatures;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.task.ModelSource;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

import ai.djl.ndarray.types.DataType;

/**
 * The device and the loaded models of an OVDiff command: Stable Diffusion (the folder comes from
 * {@link ModelPreference}, shared with the Peekaboo commands and Model Manager) and optionally CLIP and DINO; loaded
 * once by {@link DiffSegModelService} and reused by the next run.
 */
final class OvDiffModel {

	/** The device dropdown's choices; auto leaves the choice to {@link DeviceChoice}. */
	static final String AUTO = "auto", CPU = "cpu", GPU = "gpu";

	private OvDiffModel() {}

	/** The device of a dropdown value. @throws IllegalArgumentException when a GPU is asked for and none is usable */
	static DeviceChoice device(String device) {
		String asked = device == null ? AUTO : device.strip().toLowerCase(Locale.ROOT);
		return DeviceChoice.choose(asked.equals(AUTO) ? null : asked, null);
	}

	/** The model in {@code folder} on this device, loaded once by the model service (float32 weights). */
	static StableDiffusion load(DiffSegModelService models, Path folder, DeviceChoice device) throws IOException {
		return models.get(folder, device.deviceName(), "float32", StableDiffusion.class,
			() -> StableDiffusion.load(folder, device.device(), DataType.FLOAT32));
	}

	/** The models of a run on this device, kept by the model service between runs. */
	static ModelSource source(DiffSegModelService models, DeviceChoice device) {
		String dev = device.deviceName();
		return new ModelSource() {
			@Override
			public StableDiffusion stableDiffusion(Path folder) throws IOException {
				return load(models, folder, device);
			}

			@Override
			public ClipModel clip(Path folder) throws IOException {
				return models.get(folder, dev, "float32", ClipModel.class,
					() -> ClipModel.load(folder, device.device(), DataType.FLOAT32));
			}

			@Override
			public ViTModel dino(Path folder) throws IOException {
				return models.get(folder, dev, "float32", ViTModel.class,
					() -> ViTModel.load(folder, device.device(), DataType.FLOAT32));
			}

			@Override
			public CategoryFilter categoryFilter(Path clipFolder) throws IOException {
				// kept by the service beside the model: a batch of images encodes each class prompt once
				ClipModel model = clip(clipFolder);
				return models.get(clipFolder, dev, "float32", CategoryFilter.class,
					() -> new CategoryFilter(model, ClipTokenizer.load(clipFolder)));
			}
		};
	}

	/**
	 * The extractors of a run: Stable Diffusion's, then CLIP's and DINO's when their folders are given (their
	 * similarity maps are averaged, the paper's ensemble), and CLIP's category filter when asked for.
	 */
	record Extractors(FeatureExtractor.Ensemble ensemble, CategoryFilter filter) {}

	/**
	 * @param sdSize the support image size Stable Diffusion's features are taken at (0: native)
	 * @param clip the CLIP folder, or null/empty for none; named by its macro key in messages
	 * @param dino the DINO folder, or null/empty for none
	 * @throws IllegalArgumentException when a given folder does not exist (naming the key and the fix)
	 */
	static Extractors extractors(DiffSegModelService models, StableDiffusion sd, int sdSize, File clip, File dino,
		boolean categoryFilter, DeviceChoice device) throws IOException
	{
		List<FeatureExtractor> members = new ArrayList<>();
		members.add(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP, sdSize));
		CategoryFilter filter = null;
		Path clipFolder = folder(clip, "clip", "openai/clip-vit-base-patch16");
		if (clipFolder != null) {
			ClipModel model = models.get(clipFolder, device.deviceName(), "float32", ClipModel.class,
				() -> ClipModel.load(clipFolder, device.device(), DataType.FLOAT32));
			members.add(new ClipFeatures(model, ModelFolderIdentity.of(clipFolder)));
			// kept by the service beside the model: a batch of images encodes each class prompt once
			if (categoryFilter) filter = models.get(clipFolder, device.deviceName(), "float32", CategoryFilter.class,
				() -> new CategoryFilter(model, ClipTokenizer.load(clipFolder)));
		}
		Path dinoFolder = folder(dino, "dino", "facebook/dino-vitb8");
		if (dinoFolder != null) {
			ViTModel model = models.get(dinoFolder, device.deviceName(), "float32", ViTModel.class,
				() -> ViTModel.load(dinoFolder, device.device(), DataType.FLOAT32));
			members.add(new DinoFeatures(model, ModelFolderIdentity.of(dinoFolder)));
		}
		return new Extractors(new FeatureExtractor.Ensemble(members), filter);
	}

	/** An optional model folder field: null when empty, else an existing folder (absolute). */
	static Path folder(File given, String key, String example) {
		if (given == null || given.getPath().isBlank()) return null;
		Path p = given.toPath().toAbsolutePath().normalize();
		if (!Files.isDirectory(p)) throw new IllegalArgumentException(key + "=[" + given + "] is not a folder: give " +
			"the folder of a Hugging Face model (e.g. " + example + ", from Plugins > DiffSeg > Model Manager), or " +
			"leave " + key + " empty.");
		return p;
	}
}
