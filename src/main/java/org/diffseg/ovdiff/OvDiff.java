package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;

import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;

/**
 * OVDiff end to end (paper §3), headless: {@link #buildVocabulary} synthesises a support set per class, splits it into
 * foreground and background and stores the prototypes of every feature extractor in a {@link PrototypeBank};
 * {@link #segment} matches an image against any subset of the bank's classes. A bank is opened for one model
 * (its {@link StableDiffusion#identity()}) and the settings that change prototypes ({@link Settings#bankSettings}),
 * so prototypes of another model or other settings are never mixed in. Both calls report their steps to a
 * {@link ProgressListener} and stop at the next denoising step, image or window when their {@link CancelToken} is
 * cancelled (they throw {@link CancellationException}).
 */
public final class OvDiff {
	/** Longest side over shortest side beyond which an image is refused: the window count grows with it. */
	public static final int MAX_ASPECT_RATIO = 16;
	/** What to try when a feature, score or support image is not finite. */
	static final String NON_FINITE_HINT = "Try float32 instead of float16, or check the models (a random or " +
		"corrupted checkpoint gives such values).";

	/**
	 * @param sampling how support images are sampled
	 * @param splitter foreground/background split of the support images
	 * @param parts K of the K-means part prototypes
	 * @param partSeed K-means seed
	 * @param attributionSize grid of the attribution maps, 0 for the latent grid
	 * @param batchSize support images sampled together (memory, not results)
	 * @param stuffOverrides the user's thing (false) / stuff (true) verdicts by class name, over {@link StuffTable}
	 * @param segmentation windows and matching
	 */
	public record Settings(SupportSet.Sampling sampling, MaskSplitter splitter, int parts, long partSeed,
		int attributionSize, int batchSize, Map<String, Boolean> stuffOverrides, Segmenter.Settings segmentation)
	{
		public Settings {
			if (parts < 1) throw new IllegalArgumentException("the number of part prototypes must be at least 1, not " + parts);
			if (batchSize < 1) throw new IllegalArgumentException("the batch size must be at least 1, not " + batchSize);
			if (attributionSize < 0) throw new IllegalArgumentException("the attribution size must be positive (or 0), " +
				"not " + attributionSize);
			Map<String, Boolean> keyed = new TreeMap<>();
			for (Map.Entry<String, Boolean> e : stuffOverrides.entrySet()) keyed.put(ClassNames.key(e.getKey()), e.getValue());
			stuffOverrides = Map.copyOf(keyed);
		}

		/** The authors' settings. */
		public static Settings defaults() {
			return new Settings(SupportSet.Sampling.defaults(), new ThresholdSplitter(), Prototypes.DEFAULT_PARTS,
				Prototypes.DEFAULT_SEED, 0, 1, Map.of(), Segmenter.Settings.defaults());
		}

		public Settings withSampling(SupportSet.Sampling s) {
			return new Settings(s, splitter, parts, partSeed, attributionSize, batchSize, stuffOverrides, segmentation);
		}

		public Settings withSplitter(MaskSplitter s) {
			return new Settings(sampling, s, parts, partSeed, attributionSize, batchSize, stuffOverrides, segmentation);
		}

		public Settings withParts(int k) {
			return new Settings(sampling, splitter, k, partSeed, attributionSize, batchSize, stuffOverrides, segmentation);
		}

		public Settings withBatchSize(int b) {
			return new Settings(sampling, splitter, parts, partSeed, attributionSize, b, stuffOverrides, segmentation);
		}

		public Settings withSegmentation(Segmenter.Settings s) {
			return new Settings(sampling, splitter, parts, partSeed, attributionSize, batchSize, stuffOverrides, s);
		}

		/** This with a class declared stuff or thing by the user. */
		public Settings withStuff(String className, boolean stuff) {
			Map<String, Boolean> m = new TreeMap<>(stuffOverrides);
			m.put(ClassNames.key(className), stuff);
			return new Settings(sampling, splitter, parts, partSeed, attributionSize, batchSize, m, segmentation);
		}

		/** The user's verdict, else the built-in table's (unknown names are things). */
		public boolean isStuff(String className) {
			Boolean user = stuffOverrides.get(ClassNames.key(className));
			return user != null ? user : StuffTable.builtIn().isStuff(className);
		}

		/** The attribution grid for a model: the latent grid of the support images unless set. */
		public int attributionSize(StableDiffusion sd) {
			if (attributionSize > 0) return attributionSize;
			return (sampling.size() == 0 ? sd.defaultImageSize() : sampling.size()) / sd.latentScale();
		}

		/** What a bank records and compares for these settings (everything that changes prototypes but the model). */
		public Map<String, String> bankSettings(StableDiffusion sd) {
			return SupportSet.bankSettings(sampling, splitter, parts, partSeed, attributionSize(sd));
		}
	}

	/**
	 * A segmentation with what explains it.
	 * @param stuff per target class (label 1..n), whether it was treated as stuff
	 * @param supportImages per target class, the names of the support images its prototypes' origins index
	 * @param filter what CLIP's category filter saw and kept, or null when no filter ran
	 */
	public record Segmentation(Segmenter.Result result, Map<String, Boolean> stuff,
		Map<String, List<String>> supportImages, CategoryFilter.Result filter) {}


	/** Opens (without creating) the bank folder for this model and these settings. */
	public static PrototypeBank openBank(Path directory, StableDiffusion sd, Settings settings) {
		return new PrototypeBank(directory, sd.identity(), settings.bankSettings(sd));
	}

	/**
	 * Opens a bank folder with the settings its prototypes were built with for this model, for segmenting without
	 * repeating the build options: among the settings under which the folder holds prototypes of this model, the one
	 * that has every requested class (when classes are requested) and agrees with {@code required}.
	 * @param classes the classes to segment, or empty for any
	 * @param required bank settings that must have these values (e.g. "support_images" -&gt; "32"), to choose among
	 * several
	 * @throws IllegalArgumentException naming the cause and the fix when no settings or several fit
	 */
	public static PrototypeBank findBank(Path directory, StableDiffusion sd, List<String> classes,
		Map<String, String> required) throws IOException
	{
		List<String> wanted = classes.isEmpty() ? List.of() : ClassNames.distinct(classes);
		PrototypeBank any = new PrototypeBank(directory, sd.identity(), Map.of());
		// a damaged file is never skipped in silence: segmenting the whole vocabulary needs every file, a class asked
		// for needs its own
		List<PrototypeBank.Damaged> damaged = any.damaged().stream().filter(d -> wanted.isEmpty() ||
			wanted.stream().anyMatch(d::isOf)).toList();
		if (!damaged.isEmpty()) throw PrototypeBank.damagedError(directory, damaged);
		Map<Map<String, String>, TreeSet<String>> groups = new LinkedHashMap<>();
		List<String> foreign = new ArrayList<>();
		for (PrototypeBank.Summary s : any.list()) {
			if (!s.modelIdentity().equals(sd.identity())) foreign.add(s.className());
			else groups.computeIfAbsent(s.settings(), k -> new TreeSet<>()).add(ClassNames.key(s.className()));
		}
		if (groups.isEmpty()) throw missing("the prototype bank " + directory + " has no prototypes for this model" +
			(foreign.isEmpty() ? "" : " (its " + foreign.size() + " files were built with another model, e.g. for '" +
			foreign.get(0) + "')"), "build them first", directory, wanted, List.of());
		List<Map<String, String>> fit = new ArrayList<>();
		for (Map.Entry<Map<String, String>, TreeSet<String>> g : groups.entrySet()) {
			boolean agrees = required.entrySet().stream().allMatch(r -> r.getValue().equals(g.getKey().get(r.getKey())));
			if (agrees && wanted.stream().allMatch(c -> g.getValue().contains(ClassNames.key(c)))) fit.add(g.getKey());
		}
		if (fit.size() == 1) return new PrototypeBank(directory, sd.identity(), fit.get(0));
		if (fit.isEmpty()) {
			List<Map<String, String>> agreeing = groups.keySet().stream().filter(g -> required.entrySet().stream()
				.allMatch(r -> r.getValue().equals(g.get(r.getKey())))).toList();
			if (agreeing.isEmpty()) throw new IllegalArgumentException("the prototype bank " + directory + " has no " +
				"prototypes for this model built with " + required + " (it has them built with " +
				describe(groups.keySet()) + ")");
			// the closest settings: those holding most of the requested classes
			Map<String, String> best = null;
			long bestCount = -1;
			for (Map<String, String> g : agreeing) {
				long count = wanted.stream().filter(c -> groups.get(g).contains(ClassNames.key(c))).count();
				if (count > bestCount) {
					best = g;
					bestCount = count;
				}
			}
			TreeSet<String> closest = groups.get(best);
			List<String> missing = wanted.stream().filter(c -> !closest.contains(ClassNames.key(c))).toList();
			List<String> elsewhere = new ArrayList<>();
			for (String c : missing) for (Map<String, String> g : agreeing) if (groups.get(g).contains(ClassNames.key(c)))
				elsewhere.add("'" + c + "' with " + describe(List.of(best, g)).split("; ")[1]);
			throw missing("the prototype bank " + directory + " has no prototypes for " + String.join(", ",
				missing.stream().map(c -> "'" + c + "'").toList()) + " for this model with the settings of the other " +
				"classes (" + describe(List.of(best)) + ")" + (elsewhere.isEmpty() ? "" : "; it has " +
				String.join(", ", elsewhere)), "build them first with those settings", directory, missing, List.of());
		}
		throw new DiffSegException(DiffSegException.Kind.PROTOTYPES_AMBIGUOUS, "the prototype bank " + directory +
			" holds " + (wanted.isEmpty() ? "classes" : "these classes") + " for this model built with several settings (" +
			describe(fit) + ")", "choose the settings of the prototypes to use, or keep one bank folder per setting",
			Map.of(DiffSegException.BANK, directory.toString()));
	}

	/**
	 * Prototypes missing from a bank, typed for the front-ends to word the fix.
	 * @param extractors the feature kinds to build them with ("clip", "dino"), when that is what is missing
	 */
	static DiffSegException missing(String problem, String fix, Path bank, List<String> classes,
		java.util.Collection<String> extractors)
	{
		return new DiffSegException(DiffSegException.Kind.PROTOTYPES_MISSING, problem, fix, Map.of(DiffSegException.BANK,
			bank.toString(), DiffSegException.CLASSES, String.join(";", classes), DiffSegException.EXTRACTORS,
			String.join(" ", extractors)));
	}

	/** Settings in short: of several, the entries that differ; of one, all but the prompts. */
	private static String describe(java.util.Collection<Map<String, String>> settings) {
		TreeSet<String> keys = new TreeSet<>();
		for (Map<String, String> s : settings) keys.addAll(s.keySet());
		if (settings.size() > 1) keys.removeIf(k -> settings.stream().map(s -> String.valueOf(s.get(k))).distinct()
			.count() == 1);
		else keys.removeAll(List.of("prompt", "negative_prompt"));
		List<String> out = new ArrayList<>();
		for (Map<String, String> s : settings) {
			List<String> entries = new ArrayList<>();
			for (String k : keys) entries.add(k + "=" + s.get(k));
			out.add(String.join(", ", entries));
		}
		return String.join("; ", out);
	}

	/**
	 * The classes the bank holds for every extractor of the ensemble under its model and settings, in name order.
	 * @throws IllegalArgumentException naming what the folder holds instead when there are none
	 */
	public static List<String> vocabulary(PrototypeBank bank, FeatureExtractor.Ensemble extractors) throws IOException {
		TreeSet<String> common = null;
		// classes built for some extractors of the ensemble (e.g. Stable Diffusion) but not for others (e.g. CLIP)
		TreeSet<String> have = new TreeSet<>(), lack = new TreeSet<>();
		for (FeatureExtractor e : extractors.members()) {
			TreeSet<String> names = new TreeSet<>(bank.classes(e.id()));
			(names.isEmpty() ? lack : have).add(extractorKind(e.id()).toUpperCase(java.util.Locale.ROOT));
			if (common == null) common = names;
			else common.retainAll(names);
		}
		if (common != null && !common.isEmpty()) return new ArrayList<>(common);
		if (!have.isEmpty() && !lack.isEmpty()) throw missing("the vocabulary is empty: the prototype bank " +
			bank.directory() + " has classes for " + String.join(" and ", have) + " features but none for " +
			String.join(" and ", lack), "build them with " + String.join(" and ", lack) + " too, or segment without " +
			String.join(" and ", lack), bank.directory(), List.of(), lack.stream().map(k -> k.toLowerCase(
			java.util.Locale.ROOT)).toList());
		List<String> other = new ArrayList<>();
		for (PrototypeBank.Summary s : bank.list()) {
			String why = bank.incompatibility(s);
			other.add("'" + s.className() + "' " + (why != null ? "built " + why : "for extractor " + s.extractorId()));
		}
		throw missing("the vocabulary is empty: the prototype bank " + bank.directory() + " has no classes for this " +
			"model and settings" + (other.isEmpty() ? "" : " (it holds " + String.join("; ", other) + ")"),
			"build them first", bank.directory(), List.of(), List.of());
	}

	/**
	 * The kinds of feature extractor ("clip", "dino") whose prototypes the bank holds for every one of
	 * {@code classes} (under its model and settings) but which the ensemble does not use: giving their model folders
	 * would segment with the paper's ensemble. Empty when nothing is left out.
	 */
	public static List<String> unusedExtractors(PrototypeBank bank, List<String> classes,
		FeatureExtractor.Ensemble extractors) throws IOException
	{
		Set<String> used = new HashSet<>();
		for (FeatureExtractor e : extractors.members()) used.add(extractorKind(e.id()));
		Map<String, Set<String>> classesByKind = new TreeMap<>();
		for (PrototypeBank.Summary s : bank.list()) if (bank.incompatibility(s) == null)
			classesByKind.computeIfAbsent(extractorKind(s.extractorId()), k -> new HashSet<>())
				.add(ClassNames.key(s.className()));
		List<String> unused = new ArrayList<>();
		classesByKind.forEach((kind, held) -> {
			if (!used.contains(kind) && !classes.isEmpty() && classes.stream().allMatch(c -> held.contains(
				ClassNames.key(c)))) unused.add(kind);
		});
		return unused;
	}

	/** "sd", "clip" or "dino": an extractor id up to its first '-'. */
	public static String extractorKind(String id) {
		int dash = id.indexOf('-');
		return dash < 0 ? id : id.substring(0, dash);
	}

	/**
	 * Builds or extends a bank class by class: a class already in the bank for every extractor (under this model and
	 * settings, its files intact) is skipped; for the others (a damaged file is rebuilt) one support set is sampled
	 * and the prototypes of each missing extractor are written (one file each, atomically), so an interrupted build
	 * keeps every class finished before.
	 * @param progress told the steps of each class, as "class k/n (name), support image" and "class k/n (name),
	 * prototypes of image"
	 * @param cancel checked at every denoising step and support image
	 * @return the classes built now (display names), in the order given
	 * @throws CancellationException when {@code cancel} is cancelled: the class being built has no file, those before
	 * stay
	 * @throws IllegalArgumentException for an empty vocabulary, duplicate names, a name that does not fit the prompt,
	 * or a bank opened for another model or other settings
	 */
	public List<String> buildVocabulary(StableDiffusion sd, FeatureExtractor.Ensemble extractors, PrototypeBank bank,
		List<String> classes, Settings settings, ProgressListener progress, CancelToken cancel) throws IOException
	{
		List<String> names = ClassNames.distinct(classes);
		if (!bank.modelIdentity().equals(sd.identity())) throw new IllegalArgumentException("the prototype bank was " +
			"opened for model " + bank.modelIdentity() + ", not for the model in use (" + sd.identity() + "): open it " +
			"with OvDiff.openBank for this model");
		if (!bank.settings().equals(new TreeMap<>(settings.bankSettings(sd)))) throw new IllegalArgumentException(
			"the prototype bank was opened with settings " + bank.settings() + ", not with the settings in use " +
			new TreeMap<>(settings.bankSettings(sd)) + ": open it with OvDiff.openBank for these settings");
		SupportSetSampler s = new SupportSetSampler(sd, settings.sampling(), settings.batchSize(),
			settings.attributionSize(sd));
		for (String name : names) s.classTokens(name); // refuse a name that does not fit before sampling anything
		List<String> built = new ArrayList<>();
		for (int k = 0; k < names.size(); k++) {
			String name = names.get(k);
			List<FeatureExtractor> missing = new ArrayList<>();
			// a damaged file is rebuilt (replaced), not kept
			for (FeatureExtractor e : extractors.members()) if (!bank.intact(name, e.id())) missing.add(e);
			if (missing.isEmpty()) continue;
			cancel.check();
			ProgressListener p = progress.prefixed("class " + (k + 1) + "/" + names.size() + " (" + name + "), ");
			try (NDManager m = NDManager.newBaseManager(sd.device)) {
				SupportSet set = s.sample(m, name, p, cancel);
				cancel.check();
				List<PrototypeBank.Entry> entries = set.prototypes(m, new FeatureExtractor.Ensemble(missing),
					settings.splitter(), settings.isStuff(name), settings.parts(), settings.partSeed(), p, cancel);
				for (PrototypeBank.Entry e : entries) bank.put(e);
			}
			built.add(name);
		}
		return built;
	}

	/**
	 * Segments an image against classes of the bank.
	 * @param image [1, 3, H, W] RGB in [0, 1]; put it on the model's device for speed
	 * @param classes the classes to segment (display names or any case/spacing of them), at least one
	 * @throws IOException when a class is not in the bank for this model and settings (the message says how to build
	 * it) or its file is damaged
	 * @param progress told after every window and extractor ("window", done, total)
	 * @param cancel checked before the category filter and every window
	 * @throws IllegalArgumentException for an empty vocabulary, duplicate names or an unusable image
	 * @throws CancellationException when {@code cancel} is cancelled
	 */
	public Segmentation segment(NDArray image, PrototypeBank bank, List<String> classes,
		FeatureExtractor.Ensemble extractors, Settings settings, ProgressListener progress, CancelToken cancel)
		throws IOException
	{
		return segment(image, bank, classes, extractors, settings, null, progress, cancel);
	}

	/**
	 * Segments an image against those classes of the bank that CLIP's category filter finds in it (paper §3.4;
	 * stuff classes bypass the filter, by the user's verdict else the bank's). The result still has a label for every
	 * class asked for, in the order given, so label values mean the same class in every image of a batch: a class the
	 * filter removed has no pixels and a score map of NaN (not scored).
	 * @param filter the category filter, or null to match every class
	 * @see #segment(NDArray, PrototypeBank, List, FeatureExtractor.Ensemble, Settings, ProgressListener, CancelToken)
	 */
	public Segmentation segment(NDArray image, PrototypeBank bank, List<String> classes,
		FeatureExtractor.Ensemble extractors, Settings settings, CategoryFilter filter, ProgressListener progress,
		CancelToken cancel) throws IOException
	{
		List<String> names = ClassNames.distinct(classes);
		Shape s = image.getShape();
		if (s.dimension() != 4 || s.get(0) != 1 || s.get(1) != 3) throw new IllegalArgumentException("the image must " +
			"be one RGB image [1, 3, H, W], not " + s + ": convert it to RGB first");
		long h = s.get(2), w = s.get(3);
		if (Math.max(h, w) > (long) MAX_ASPECT_RATIO * Math.min(h, w)) throw new IllegalArgumentException("the image is " +
			w + "x" + h + ": sides differing more than " + MAX_ASPECT_RATIO + "-fold would need too many windows; " +
			"crop it into pieces and segment each");
		try (NDManager m = image.getManager().newSubManager(image.getDevice())) {
			List<Segmenter.Target> targets = new ArrayList<>();
			Map<String, Boolean> stuff = new LinkedHashMap<>();
			Map<String, List<String>> support = new LinkedHashMap<>();
			for (String name : names) {
				Map<String, Prototypes> byExtractor = new LinkedHashMap<>();
				PrototypeBank.Entry first = null;
				for (FeatureExtractor e : extractors.members()) {
					PrototypeBank.Entry entry = bank.load(m, name, e.id());
					byExtractor.put(e.id(), entry.prototypes());
					if (first == null) first = entry;
				}
				Boolean user = settings.stuffOverrides().get(ClassNames.key(name));
				boolean isStuff = user != null ? user : first.stuff();
				targets.add(new Segmenter.Target(first.className(), isStuff, byExtractor));
				stuff.put(first.className(), isStuff);
				support.put(first.className(), first.supportImages());
			}
			cancel.check();
			List<Segmenter.Target> matched = targets;
			CategoryFilter.Result decided = null;
			if (filter != null && targets.size() > 1) {
				StuffTable table = StuffTable.builtIn();
				List<String> display = new ArrayList<>();
				for (Segmenter.Target t : targets) {
					table = table.with(t.name(), t.stuff());
					display.add(t.name());
				}
				decided = filter.classify(image, display, table);
				Set<String> kept = new HashSet<>(decided.selected());
				matched = targets.stream().filter(t -> kept.contains(t.name())).toList();
				cancel.check();
			}
			Segmenter.Result r = new Segmenter(settings.segmentation()).segment(image, extractors, matched, progress,
				cancel);
			if (matched.size() < targets.size()) r = withEveryLabel(r, targets.stream().map(Segmenter.Target::name)
				.toList());
			return new Segmentation(r, stuff, support, decided);
		}
	}

	/**
	 * A result over a subset of the classes re-labelled over all of them ({@code names}, in order, after the
	 * background): the missing classes get no pixels, NaN scores and no prototypes.
	 */
	static Segmenter.Result withEveryLabel(Segmenter.Result r, List<String> names) {
		int[] newLabel = new int[r.labels().size()];
		for (int l = 1; l < newLabel.length; l++) {
			newLabel[l] = names.indexOf(r.labels().get(l)) + 1;
			if (newLabel[l] == 0) throw new IllegalStateException("label '" + r.labels().get(l) + "' is not a class");
		}
		int[] labelImage = r.labelImage().clone();
		for (int i = 0; i < labelImage.length; i++) labelImage[i] = newLabel[labelImage[i]];
		float[][] scores = new float[names.size() + 1][];
		for (int l = 0; l < newLabel.length; l++) scores[newLabel[l]] = r.scores()[l];
		for (int l = 0; l < scores.length; l++) if (scores[l] == null) {
			scores[l] = new float[labelImage.length];
			Arrays.fill(scores[l], Float.NaN);
		}
		List<List<Segmenter.PrototypeRef>> prototypes = new ArrayList<>();
		for (List<Segmenter.PrototypeRef> refs : r.prototypes()) prototypes.add(refs.stream().map(p ->
			new Segmenter.PrototypeRef(newLabel[p.label()], p.className(), p.foreground(), p.origin())).toList());
		List<String> labels = new ArrayList<>();
		labels.add(r.labels().get(0));
		labels.addAll(names);
		return new Segmenter.Result(r.height(), r.width(), List.copyOf(labels), labelImage, scores, r.extractors(),
			r.winners(), List.copyOf(prototypes));
	}
}
