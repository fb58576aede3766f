package org.diffseg.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.synth.RgbImage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * OVDiff under evaluation: the vocabulary is every object class of the dataset (a prompt without its article: "a red
 * triangle" is the class "red triangle"); its prototype bank is built once ({@link #prepare}, kept in the bank folder
 * and reused by later runs with the same model and settings); each image is segmented against the whole vocabulary,
 * and a prompt's mask is the pixels labelled with its class. Stable Diffusion features only.
 */
public final class OvDiffMethod implements SegmentationMethod {
	private final StableDiffusion sd;
	private final Path bankFolder;
	private final OvDiff.Settings settings;
	private final OvDiff ovdiff = new OvDiff();
	private FeatureExtractor.Ensemble features;
	private PrototypeBank bank;
	private List<String> vocabulary;

	public OvDiffMethod(StableDiffusion sd, Path bankFolder, OvDiff.Settings settings) {
		this.sd = sd;
		this.bankFolder = bankFolder;
		this.settings = settings;
	}

	@Override
	public String name() {
		return "ovdiff";
	}

	@Override
	public Map<String, Object> settings() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("bank", bankFolder.toString());
		m.putAll(settings.bankSettings(sd));
		m.put("segmentation", settings.segmentation().toString());
		m.put("vocabulary", vocabulary == null ? List.of() : vocabulary);
		m.put("extractors", "stable diffusion");
		return m;
	}

	/** "a red triangle" → "red triangle": the prompt without a leading article. */
	public static String className(String prompt) {
		String p = prompt.trim();
		String lower = p.toLowerCase(Locale.ROOT);
		for (String article : new String[] { "a ", "an ", "the " })
			if (lower.startsWith(article)) return p.substring(article.length()).trim();
		return p;
	}

	/** The distinct classes of the prompts, in order of first appearance (objects of a class recur). */
	public static List<String> vocabulary(List<String> prompts) {
		Map<String, String> classes = new LinkedHashMap<>();
		for (String p : prompts) classes.putIfAbsent(ClassNames.key(className(p)), className(p));
		return ClassNames.distinct(new ArrayList<>(classes.values()));
	}

	@Override
	public void prepare(List<String> prompts, ProgressListener progress, CancelToken cancel) throws IOException {
		vocabulary = vocabulary(prompts);
		features = new FeatureExtractor.Ensemble(List.of(new StableDiffusionFeatures(sd,
			StableDiffusionFeatures.DEFAULT_TIMESTEP, settings.sampling().size())));
		bank = OvDiff.openBank(bankFolder, sd, settings);
		ovdiff.buildVocabulary(sd, features, bank, vocabulary, settings, progress, cancel);
	}

	@Override
	public List<boolean[]> segment(RgbImage image, List<String> prompts, ProgressListener progress, CancelToken cancel)
		throws IOException
	{
		if (bank == null) throw new IllegalStateException("prepare the vocabulary first");
		OvDiff.Segmentation seg;
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			NDArray x = PeekabooMethod.planes(image).toNDArray(m).expandDims(0);
			seg = ovdiff.segment(x, bank, vocabulary, features, settings, progress, cancel);
		}
		List<String> labels = seg.result().labels();
		int[] labelImage = seg.result().labelImage();
		List<boolean[]> masks = new ArrayList<>();
		for (String prompt : prompts) {
			String key = ClassNames.key(className(prompt));
			int label = -1;
			for (int l = 1; l < labels.size(); l++) if (ClassNames.key(labels.get(l)).equals(key)) label = l;
			boolean[] mask = new boolean[labelImage.length];
			for (int i = 0; i < mask.length; i++) mask[i] = label > 0 && labelImage[i] == label;
			masks.add(mask);
		}
		return masks;
	}
}
