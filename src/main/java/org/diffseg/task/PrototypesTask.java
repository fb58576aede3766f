package org.diffseg.task;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.ClipFeatures;
import org.diffseg.ovdiff.DinoFeatures;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.run.WriteLock;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;

/**
 * Prototypes build/extend, the use case: per class missing from the bank (for this model, settings and extractors),
 * support images are sampled with Stable Diffusion and their foreground/background prototypes stored, one file per
 * class and extractor, so an interrupted build keeps every class finished before.
 */
public final class PrototypesTask extends ModelTask {

	/**
	 * The classes asked for (display names, distinct), those built now, the bank's vocabulary size afterwards, and
	 * those of the built classes that were rebuilt because a file of theirs was damaged.
	 */
	public record Result(List<String> classes, List<String> built, int vocabularySize, List<String> rebuilt) {
		public Result(List<String> classes, List<String> built, int vocabularySize) {
			this(classes, built, vocabularySize, List.of());
		}
	}

	public PrototypesTask(ModelSource models) {
		super(models);
	}

	/**
	 * @throws DiffSegException for what the user can fix (no class, no bank, a bad setting)
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled: the class being built has no
	 * file, those before stay
	 */
	public Result run(PrototypesSettings settings, ProgressListener progress, CancelToken cancel) throws IOException {
		if (settings.classes().isEmpty()) throw DiffSegException.setting("classes", "no class given",
			"name the classes to build");
		if (settings.bank() == null || settings.bank().toString().isBlank()) throw DiffSegException.setting("bank",
			"no prototype bank folder given", "choose the folder to store the prototypes in");
		List<String> names = ClassNames.distinct(settings.classes());
		OvDiff.Settings engine = settings.ovdiff();
		// a model folder, a folder of other files or a read-only folder is refused now, not after hours of sampling
		PrototypeBank.checkFolder(settings.bank(), true);
		StableDiffusion sd = stableDiffusion(settings.model(), cancel);
		List<FeatureExtractor> members = new ArrayList<>();
		members.add(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP, engine.sampling().size()));
		if (settings.clip() != null)
			members.add(new ClipFeatures(models.clip(settings.clip()), ModelFolderIdentity.of(settings.clip())));
		if (settings.dino() != null)
			members.add(new DinoFeatures(models.dino(settings.dino()), ModelFolderIdentity.of(settings.dino())));
		FeatureExtractor.Ensemble features = new FeatureExtractor.Ensemble(members);
		// one run writes into a bank at a time; the temporary files of a killed one are removed under the lock
		try (WriteLock lock = WriteLock.acquire(settings.bank())) {
			PrototypeBank.removeTemporaryFiles(settings.bank());
			return build(settings, names, engine, sd, members, features, progress, cancel);
		}
	}

	private Result build(PrototypesSettings settings, List<String> names, OvDiff.Settings engine, StableDiffusion sd,
		List<FeatureExtractor> members, FeatureExtractor.Ensemble features, ProgressListener progress,
		CancelToken cancel) throws IOException
	{
		PrototypeBank bank = OvDiff.openBank(settings.bank(), sd, engine);
		List<String> damaged = new ArrayList<>();
		for (String name : names) for (FeatureExtractor e : members)
			if (bank.damage(name, e.id()) != null && !damaged.contains(name)) damaged.add(name);
		List<String> built = new OvDiff().buildVocabulary(sd, features, bank, names, engine, progress, cancel);
		return new Result(names, built, OvDiff.vocabulary(bank, features).size(),
			damaged.stream().filter(built::contains).toList());
	}
}
