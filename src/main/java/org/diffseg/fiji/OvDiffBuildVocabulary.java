package org.diffseg.fiji;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.task.PrototypesSettings;
import org.diffseg.task.PrototypesTask;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

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
public class OvDiffBuildVocabulary extends DiffSegCommand {

	private static final PrototypesSettings DEFAULTS = PrototypesSettings.DEFAULTS;

	@Parameter(label = "Classes", description = "The class names, separated by ';' or line breaks, e.g. 'cell; " +
		"nucleus'. Each is sampled as 'a photo of a NAME'.")
	private String classes = "";

	@Parameter(label = "Prototype bank folder", style = "directory", description = "Where the prototypes are stored " +
		"(created if missing); one folder can hold classes of several models.")
	private File bank;

	@Parameter(label = "Support images per class", min = "1")
	private int support_images = DEFAULTS.supportImages();

	@Parameter(label = "Images sampled together", min = "1", description = "More is faster on a GPU and needs more " +
		"memory; the images do not change.")
	private int batch = DEFAULTS.batch();

	@Parameter(label = "Seed", description = "Support image i of every class starts from seed + i.")
	private long seed = DEFAULTS.seed();

	@Parameter(label = "Denoising steps", min = "1")
	private int steps = DEFAULTS.steps();

	@Parameter(label = "Model folder", style = "directory", required = false, persist = false,
		initializer = "initModel", description = "A Stable Diffusion model in diffusers layout. " +
			ModelPreference.EMPTY_HELP)
	private File model;

	@Parameter(label = "CLIP model folder (optional)", style = "directory", required = false, persist = false,
		description = "CLIP ViT-B/16 in Hugging Face layout (openai/clip-vit-base-patch16): also stores CLIP " +
			"prototypes, so OVDiff Segment can average CLIP's similarity with Stable Diffusion's. Empty: not used.")
	private File clip;

	@Parameter(label = "DINO model folder (optional)", style = "directory", required = false, persist = false,
		description = "DINO ViT-B/8 in Hugging Face layout (facebook/dino-vitb8): also stores DINO prototypes. " +
			"Empty: not used.")
	private File dino;

	@Parameter(label = "Device", choices = { RunDevice.AUTO, RunDevice.CPU, RunDevice.GPU },
		description = RunDevice.DEVICE_HELP)
	private String device = RunDevice.AUTO;

	@Parameter(type = ItemIO.OUTPUT, label = "OVDiff vocabulary")
	private String summary;

	protected void initModel() {
		model = initialModel(model);
	}

	@Override
	public void run() {
		List<String> given = PromptList.split(classes, "classes", "class");
		if (given.isEmpty()) throw new IllegalArgumentException("no class given: name the classes to build in " +
			"'classes', e.g. classes=[cell; nucleus] (several separated by ';').");
		if (bank == null || bank.getPath().isBlank()) throw new IllegalArgumentException("no prototype bank folder " +
			"given: choose one with bank=[folder].");
		PrototypesSettings settings = extractors(PrototypesSettings.builder().model(ModelPreference.resolve(model, prefs,
			"model")).bank(bank.toPath()).classes(given).supportImages(support_images).seed(seed).steps(steps)
			.batch(batch), clip, dino).build();
		PrototypesTask.Result r = runTask("OVDiff vocabulary", RunDevice.choose(device, RunDevice.FLOAT32),
			settings.model(), (models, progress) -> new PrototypesTask(models).run(settings, progress, progress.token()));
		if (r == null) return; // the class being built has no file, those before stay
		List<String> lines = new ArrayList<>();
		for (String c : r.classes()) lines.add(r.rebuilt().contains(c) ? "rebuilt " + c + " (its prototype file was " +
			"damaged)" : (r.built().contains(c) ? "built " : "kept ") + c);
		lines.add("bank " + bank.getAbsolutePath() + ": " + r.vocabularySize() + (r.vocabularySize() == 1 ? " class" :
			" classes") + " for this model and settings");
		summary = "OVDiff vocabulary: " + String.join("; ", lines);
	}
}
