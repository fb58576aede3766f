package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.sd.StableDiffusion;
import org.scijava.ItemIO;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;
import org.scijava.task.TaskService;

/**
 * {@code Plugins > DiffSeg > OVDiff Build Vocabulary...}: builds or extends an OVDiff prototype bank, class by class
 * (as {@code diffseg prototypes}): per class, support images are sampled with Stable Diffusion and their
 * foreground/background prototypes stored in one file of the bank folder, for Stable Diffusion's features and, when
 * their folders are given, CLIP's and DINO's. Classes already in the bank for this model, settings and extractors
 * are kept (a class built without CLIP gets only its CLIP prototypes added, from its support images sampled again
 * with the same seeds). Cancelling stops at the next step; the class being built leaves no file, classes finished
 * before stay.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>OVDiff Build Vocabulary...", headless = true)
public class OvDiffBuildVocabulary extends ContextCommand {

	private static final SupportSet.Sampling DEFAULTS = SupportSet.Sampling.defaults();

	@Parameter
	private DiffSegModelService models;

	@Parameter(required = false)
	private PrefService prefs;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private TaskService tasks;

	@Parameter(label = "Classes", description = "The class names, separated by ';' or line breaks, e.g. 'cell; " +
		"nucleus'. Each is sampled as 'a photo of a NAME'.")
	private String classes = "";

	@Parameter(label = "Prototype bank folder", style = "directory", description = "Where the prototypes are stored " +
		"(created if missing); one folder can hold classes of several models.")
	private File bank;

	@Parameter(label = "Support images per class", min = "1")
	private int support_images = 32;

	@Parameter(label = "Images sampled together", min = "1", description = "More is faster on a GPU and needs more " +
		"memory; the images do not change.")
	private int batch = 1;

	@Parameter(label = "Seed", description = "Support image i of every class starts from seed + i.")
	private long seed = DEFAULTS.seed();

	@Parameter(label = "Denoising steps", min = "1")
	private int steps = DEFAULTS.steps();

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "A Stable Diffusion model in diffusers layout. Empty: the one used " +
			"last, else the model shipped with DiffSeg.")
	private File model;

	@Parameter(label = "CLIP model folder (optional)", style = "directory", required = false, persist = false,
		description = "CLIP ViT-B/16 in Hugging Face layout (openai/clip-vit-base-patch16): also stores CLIP " +
			"prototypes, so OVDiff Segment can average CLIP's similarity with Stable Diffusion's. Empty: not used.")
	private File clip;

	@Parameter(label = "DINO model folder (optional)", style = "directory", required = false, persist = false,
		description = "DINO ViT-B/8 in Hugging Face layout (facebook/dino-vitb8): also stores DINO prototypes. " +
			"Empty: not used.")
	private File dino;

	@Parameter(label = "Device", choices = { OvDiffModel.AUTO, OvDiffModel.CPU, OvDiffModel.GPU }, description = "auto: " +
		"the environment variable DIFFSEG_DEVICE when set, else the GPU with the most free memory, else the CPU.")
	private String device = OvDiffModel.AUTO;

	@Parameter(type = ItemIO.OUTPUT, label = "OVDiff vocabulary")
	private String summary;

	protected void initModel() {
		if (model == null) {
			Path folder = ModelPreference.defaultFolder(prefs);
			if (folder != null) model = folder.toFile();
		}
	}

	@Override
	public void run() {
		List<String> given = PromptList.split(classes, "classes", "class");
		if (given.isEmpty()) throw new IllegalArgumentException("no class given: name the classes to build in " +
			"'classes', e.g. classes=[cell; nucleus] (several separated by ';').");
		List<String> names = ClassNames.distinct(given);
		if (bank == null || bank.getPath().isBlank()) throw new IllegalArgumentException("no prototype bank folder " +
			"given: choose one with bank=[folder].");
		Path folder = ModelPreference.resolve(model, prefs, "model");
		OvDiff.Settings settings = OvDiff.Settings.defaults().withSampling(DEFAULTS.withImages(support_images)
			.withSeed(seed).withSteps(steps)).withBatchSize(batch);
		DeviceChoice dev = OvDiffModel.device(device);
		OvDiff ovdiff = new OvDiff();
		try (RunLease lease = models.acquire(dev.deviceName());
			FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff vocabulary", this))
		{
			if (status != null) status.showStatus("OVDiff: loading the model " + folder.getFileName() + " on " +
				dev.deviceName() + "...");
			StableDiffusion sd = OvDiffModel.load(models, folder, dev);
			FeatureExtractor.Ensemble features = OvDiffModel.extractors(models, sd, settings.sampling().size(),
				clip, dino, false, dev).ensemble();
			PrototypeBank b = OvDiff.openBank(bank.toPath(), sd, settings);
			List<String> built = ovdiff.buildVocabulary(sd, features, b, names, settings, (name, stage, done, total) -> {
				int c = indexOf(names, name) + 1;
				String what = "class " + c + "/" + names.size() + " (" + name + "), " +
					(stage == OvDiff.Stage.SAMPLING ? "support image" : "prototypes of image");
				if (!progress.stage(what).onStep(done, total)) {
					ovdiff.cancel();
					throw new CancellationException("building the vocabulary cancelled");
				}
			});
			List<String> lines = new ArrayList<>();
			for (String c : names) lines.add((built.contains(c) ? "built " : "kept ") + c);
			int count = OvDiff.vocabulary(b, features).size();
			lines.add("bank " + bank.getAbsolutePath() + ": " + count + (count == 1 ? " class" : " classes") + " for " +
				"this model and settings");
			summary = "OVDiff vocabulary: " + String.join("; ", lines);
		}
		catch (CancellationException e) {
			cancel(UserMessages.describe(e)); // the class being built has no file
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static int indexOf(List<String> names, String name) {
		for (int i = 0; i < names.size(); i++) if (ClassNames.key(names.get(i)).equals(ClassNames.key(name))) return i;
		return 0;
	}
}
