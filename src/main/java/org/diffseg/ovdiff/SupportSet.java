package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;

/**
 * A class's synthesised support set (paper §3.2): N images generated from a prompt naming the class, each with the
 * attribution heat map of the class name accumulated while it was generated ({@link AttributionMap}). Sampling needs
 * Stable Diffusion; from there on this record does the rest: it splits every image into foreground and background
 * and turns the set into one bank entry per feature extractor.
 * @param images [1, 3, H, W] RGB in [0, 1]
 * @param imageNames how the images are referred to in explanations (e.g. their file names)
 */
public record SupportSet(String className, List<NDArray> images, List<HeatMap> heatMaps, List<String> imageNames) {
	public SupportSet {
		className = ClassNames.clean(className);
		if (images.isEmpty() || images.size() != heatMaps.size() || images.size() != imageNames.size()) throw new
			IllegalArgumentException("a support set needs as many heat maps and names as images: " + images.size() +
			" images, " + heatMaps.size() + " heat maps, " + imageNames.size() + " names");
		images = List.copyOf(images);
		heatMaps = List.copyOf(heatMaps);
		imageNames = List.copyOf(imageNames);
	}

	/**
	 * How support images are sampled; the defaults are the authors' (appendix C.5).
	 * @param seed the class's seed: support image i of a class starts from the initial latents of seed + i (see
	 * {@link SupportSetSampler}), whatever the other classes and the batch size
	 * @param size side of the square support images in pixels, 0 for the model's native size (512 for SD 1.5)
	 */
	public record Sampling(String promptTemplate, String negativePrompt, int images, double guidance, int steps, long seed,
		int size)
	{
		public static final String CLASS = "{class}";

		public Sampling {
			if (!promptTemplate.contains(CLASS)) throw new IllegalArgumentException("the prompt template needs " + CLASS +
				" where the class name goes, e.g. \"A good picture of a " + CLASS + "\"");
			if (images <= 0 || steps <= 0) throw new IllegalArgumentException("need at least one image and one step");
			if (size < 0) throw new IllegalArgumentException("the support image size must be positive (or 0 for the " +
				"model's native size), not " + size);
		}

		/** At the model's native size. */
		public Sampling(String promptTemplate, String negativePrompt, int images, double guidance, int steps, long seed) {
			this(promptTemplate, negativePrompt, images, guidance, steps, seed, 0);
		}

		public static Sampling defaults() {
			return new Sampling("A good picture of a " + CLASS, "text, low quality, blurry, cartoon, meme, low " +
				"resolution, bad, poor, faded", 32, 8.0, 30, 42);
		}

		public String prompt(String className) {
			return promptTemplate.replace(CLASS, ClassNames.clean(className));
		}

		/** The template's text before the class name (for finding the name's tokens in the prompt). */
		public String promptPrefix() {
			return promptTemplate.substring(0, promptTemplate.indexOf(CLASS));
		}

		public Sampling withImages(int n) {
			return new Sampling(promptTemplate, negativePrompt, n, guidance, steps, seed, size);
		}

		public Sampling withSteps(int n) {
			return new Sampling(promptTemplate, negativePrompt, images, guidance, n, seed, size);
		}

		public Sampling withSeed(long s) {
			return new Sampling(promptTemplate, negativePrompt, images, guidance, steps, s, size);
		}

		public Sampling withSize(int s) {
			return new Sampling(promptTemplate, negativePrompt, images, guidance, steps, seed, s);
		}
	}

	/**
	 * The settings a bank records and compares (everything but the model and the extractor that changes prototypes).
	 */
	public static Map<String, String> bankSettings(Sampling sampling, MaskSplitter splitter, int parts, long partSeed,
		int attributionSize)
	{
		Map<String, String> m = new LinkedHashMap<>();
		m.put("prompt", sampling.promptTemplate());
		m.put("negative_prompt", sampling.negativePrompt());
		m.put("support_images", Integer.toString(sampling.images()));
		m.put("guidance", String.format(Locale.ROOT, "%s", sampling.guidance()));
		m.put("steps", Integer.toString(sampling.steps()));
		m.put("seed", Long.toString(sampling.seed()));
		m.put("image_size", sampling.size() == 0 ? "native" : Integer.toString(sampling.size()));
		m.put("attribution_size", Integer.toString(attributionSize));
		m.put("splitter", splitter.id());
		m.put("parts", Integer.toString(parts));
		m.put("part_seed", Long.toString(partSeed));
		return m;
	}

	/**
	 * Splits the images with {@code splitter} and computes their prototypes under every extractor of the ensemble.
	 * @param manager where the prototypes are created (the caller closes the entries' arrays)
	 * @param progress told after every image and extractor ("prototypes of image", done, total)
	 * @param cancel checked before every image and extractor
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled
	 */
	public List<PrototypeBank.Entry> prototypes(NDManager manager, FeatureExtractor.Ensemble ensemble,
		MaskSplitter splitter, boolean stuff, int parts, long partSeed, ProgressListener progress, CancelToken cancel)
	{
		List<FgBgMasks> masks = splitter.splitSupportSet(heatMaps);
		List<PrototypeBank.Entry> out = new ArrayList<>();
		int total = ensemble.members().size() * images.size(), done = 0;
		for (FeatureExtractor e : ensemble.members()) {
			try (Prototypes.Builder b = new Prototypes.Builder(manager, images.size(), parts, partSeed)) {
				for (int i = 0; i < images.size(); i++) {
					cancel.check();
					try (NDManager step = manager.newSubManager()) {
						NDArray image = images.get(i).reshape(images.get(i).getShape()); // a handle in this scope
						image.attach(step);
						NDArray f = e.extract(image);
						f.attach(step);
						org.diffseg.sd.NonFiniteException.check(f, "OVDiff prototypes", "features of extractor " + e.id() +
							" of support image " + (i + 1) + " of '" + className + "'", OvDiff.NON_FINITE_HINT);
						b.add(i, f, masks.get(i));
					}
					progress.progress("prototypes of image", ++done, total);
				}
				out.add(new PrototypeBank.Entry(className, stuff, e.id(), b.build(), imageNames));
			}
		}
		return out;
	}
}
