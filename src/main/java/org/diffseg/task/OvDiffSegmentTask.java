package org.diffseg.task;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.diffseg.img.RgbPlanes;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.ClipFeatures;
import org.diffseg.ovdiff.DinoFeatures;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;

/**
 * OVDiff segment, the use case: every chosen plane of an image segmented against classes of a prototype bank, with
 * Stable Diffusion's features averaged with CLIP's and DINO's when their folders are given, and CLIP's category filter
 * per plane. Label values are the same in every plane (a class the filter removes keeps its label and gets no pixels).
 */
public final class OvDiffSegmentTask extends ModelTask {

	public OvDiffSegmentTask(ModelSource models) {
		super(models);
	}

	/**
	 * @throws DiffSegException for what the user can fix (no bank, missing prototypes, an unusable image...)
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled: no result
	 */
	public OvDiffSegmentResult run(SourceImage image, OvDiffSegmentSettings settings, ProgressListener progress,
		CancelToken cancel) throws IOException
	{
		if (settings.bank() == null || settings.bank().toString().isBlank()) throw DiffSegException.setting("bank",
			"no prototype bank folder given", "choose the folder the prototypes were built in");
		PrototypeBank.checkFolder(settings.bank(), false); // a model folder or a folder of other files, before loading
		List<RgbPlanes> inputs = image.rgbPlanes(); // an unusable image fails before any model loads
		long start = System.nanoTime();
		StableDiffusion sd = stableDiffusion(settings.model(), cancel);
		PrototypeBank bank = OvDiff.findBank(settings.bank(), sd, settings.classes(), settings.requiredBankSettings());
		String size = bank.settings().getOrDefault("image_size", "native");
		List<FeatureExtractor> members = new ArrayList<>();
		members.add(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP,
			size.equals("native") ? 0 : Integer.parseInt(size)));
		CategoryFilter filter = null;
		if (settings.clip() != null) {
			members.add(new ClipFeatures(models.clip(settings.clip()), ModelFolderIdentity.of(settings.clip())));
			if (settings.categoryFilter()) filter = models.categoryFilter(settings.clip());
		}
		if (settings.dino() != null)
			members.add(new DinoFeatures(models.dino(settings.dino()), ModelFolderIdentity.of(settings.dino())));
		FeatureExtractor.Ensemble features = new FeatureExtractor.Ensemble(members); // the paper's ensemble
		List<String> names = settings.classes().isEmpty() ? OvDiff.vocabulary(bank, features) : settings.classes();
		List<String> unused = OvDiff.unusedExtractors(bank, names, features);
		OvDiff.Settings engine = OvDiff.Settings.defaults().withSegmentation(settings.segmentation());
		for (Map.Entry<String, Boolean> e : settings.stuffOverrides().entrySet())
			engine = engine.withStuff(e.getKey(), e.getValue());
		long loaded = System.nanoTime();
		OvDiff ovdiff = new OvDiff();
		List<OvDiff.Segmentation> planes = new ArrayList<>();
		for (int k = 0; k < inputs.size(); k++) {
			cancel.check();
			String plane = image.describe(k);
			ProgressListener p = progress.prefixed(plane.isEmpty() ? "" : plane + ", ");
			try (NDManager m = NDManager.newBaseManager(sd.device)) { // one scope per plane
				planes.add(ovdiff.segment(inputs.get(k).toNDArray(m).expandDims(0), bank, names, features, engine, filter,
					p, cancel));
			}
		}
		return new OvDiffSegmentResult(image, planes, bank.settings(), sd.identity(), sd.device.toString(), unused,
			settings.segmentation(), loaded - start, System.nanoTime() - loaded);
	}

}
