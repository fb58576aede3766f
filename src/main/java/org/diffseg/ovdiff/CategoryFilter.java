package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.nn.Resize;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ImagePreprocessor;

/**
 * OVDiff's category pre-filter (paper §3.4, the authors' {@code CLIPClassifierThresh}): CLIP decides which classes of
 * the vocabulary the image shows, and only those are segmented. Stuff classes bypass it and are always kept; the
 * thing classes are classified:
 * <ol>
 * <li>the image, resized to the CLIP preprocessor's size and normalised with CLIP's statistics, is compared with
 * "a ⟨c⟩" for every thing class c: cosine similarities, then a softmax over them. As in the authors' code the
 * softmax takes the plain cosines, without CLIP's logit scale, so it is flat and "probability ≥ 1/|C|" keeps the
 * classes scoring above a soft mean, not just the winner;</li>
 * <li>kept: the classes with probability ≥ 1/|C| in vocabulary order, or, when more than η pass, the η most probable
 * (most probable first); when none pass (float rounding only), the η best cosines;</li>
 * <li>every non-empty subset of the kept classes (at most 2^η - 1 = 1023 prompts), in itertools' powerset order,
 * becomes "a X and a Y and ..."; the subset whose prompt has the highest cosine with the image is the selection
 * (the first one on ties).</li>
 * </ol>
 * Text embeddings are computed in batches with each batch cut after its longest prompt (exact: CLIP's text
 * encoder is causal and pools at the end-of-text token) and cached, so a vocabulary reused over many images pays
 * for each prompt once. The authors resize the image LANCZOS to 512 x 512 and then bilinearly to 224 x 224; here it
 * is resized once (antialiased when shrinking).
 */
public final class CategoryFilter implements AutoCloseable {
	/** OVDiff's η: at most this many classes go into the subset search. */
	public static final int DEFAULT_ETA = 10;
	/** Upper limit for η: 2^η - 1 prompts per image. */
	public static final int MAX_ETA = 16;
	private static final int BATCH = 128, CACHE = 8192;

	/**
	 * What the filter saw and decided, for explanations.
	 *
	 * @param selected the classes to segment: the chosen things and every stuff class, in vocabulary order
	 * @param things the thing classes that were classified, in vocabulary order
	 * @param cosines per thing class, the cosine similarity of the image with "a ⟨c⟩"
	 * @param probabilities per thing class, the softmax of the cosines
	 * @param kept indices into {@code things} that entered the subset search, in prompt order
	 * @param fallback whether no class reached 1/|C| and the best cosines were kept instead
	 * @param prompts the subset prompts, in powerset order
	 * @param promptScores per prompt, its cosine similarity with the image
	 * @param best the index of the winning prompt (-1 when there was no thing class)
	 * @param stuff the stuff classes, which bypassed the filter
	 */
	public record Result(List<String> selected, List<String> things, float[] cosines, float[] probabilities,
		int[] kept, boolean fallback, List<String> prompts, float[] promptScores, int best, List<String> stuff) {}

	/** The first stage's outcome: indices in prompt order, and whether the fallback chose them. */
	record Kept(int[] indices, boolean fallback) {}

	private final ClipModel clip;
	private final ClipTokenizer tokenizer;
	private final int eta;
	private final Map<String, float[]> textCache = new LinkedHashMap<>(256, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
			return size() > CACHE;
		}
	};

	/** With OVDiff's η = 10; the tokenizer is the CLIP folder's ({@code ClipTokenizer.load(folder)}). */
	public CategoryFilter(ClipModel clip, ClipTokenizer tokenizer) {
		this(clip, tokenizer, DEFAULT_ETA);
	}

	public CategoryFilter(ClipModel clip, ClipTokenizer tokenizer, int eta) {
		if (eta < 1 || eta > MAX_ETA) throw new IllegalArgumentException("the category filter's eta is " + eta +
			": use 1.." + MAX_ETA + " (it scores 2^eta - 1 prompts per image; OVDiff uses " + DEFAULT_ETA + ")");
		// the tokenizer's ids and lengths must fit the text tower's tables (else an index error inside a forward)
		if (tokenizer.vocabularyEnd() > clip.text.config.vocab() || tokenizer.maxLength() > clip.text.config
			.maxPositions()) throw new IllegalArgumentException("the CLIP tokenizer (ids up to " +
				(tokenizer.vocabularyEnd() - 1) + ", " + tokenizer.maxLength() + " tokens) does not fit the CLIP text " +
				"model (vocab_size " + clip.text.config.vocab() + ", max_position_embeddings " +
				clip.text.config.maxPositions() + "): use the tokenizer files of the same CLIP model folder");
		this.clip = clip;
		this.tokenizer = tokenizer;
		this.eta = eta;
	}

	/**
	 * Forgets the cached text embeddings. The CLIP model is the caller's and stays open; a service that caches this
	 * filter beside its model frees both together.
	 */
	@Override
	public synchronized void close() {
		textCache.clear();
	}

	/** The classes to segment in {@code image}: see {@link #classify}. */
	public List<String> select(NDArray image, List<String> classes, StuffTable stuff) {
		return classify(image, classes, stuff).selected();
	}

	/**
	 * @param image [1, 3, H, W] RGB in [0, 1] (the original image, any size)
	 * @param classes the vocabulary (display names; duplicates up to case and spaces are refused)
	 * @param stuff which classes are stuff
	 */
	public synchronized Result classify(NDArray image, List<String> classes, StuffTable stuff) {
		ViTKeyFeatures.requireImage(image, "the CLIP category filter");
		List<String> names = ClassNames.distinct(classes);
		List<String> things = new ArrayList<>(), stuffNames = new ArrayList<>();
		for (String n : names) (stuff.isStuff(n) ? stuffNames : things).add(n);
		if (things.isEmpty()) return new Result(names, List.of(), new float[0], new float[0], new int[0], false,
			List.of(), new float[0], -1, List.copyOf(stuffNames));

		try (NDManager scope = image.getManager().newSubManager(clip.vision.device())) {
			NDArray imageEmbed = ClipModel.normalize(clip.imageEmbeds(pixelValues(scope, image))); // [1, P]
			List<String> single = new ArrayList<>();
			for (String t : things) single.add("a " + t);
			float[] cosines = cosines(scope, imageEmbed, single);
			float[] probabilities = softmax(scope, cosines);
			Kept kept = keep(cosines, probabilities, eta);

			List<int[]> subsets = powerset(kept.indices());
			List<String> prompts = new ArrayList<>(subsets.size());
			for (int[] subset : subsets) {
				StringBuilder b = new StringBuilder();
				for (int i : subset) b.append(b.length() == 0 ? "" : " and ").append("a ").append(things.get(i));
				prompts.add(b.toString());
			}
			float[] scores = cosines(scope, imageEmbed, prompts);
			int best = 0;
			for (int i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;

			boolean[] chosen = new boolean[things.size()];
			for (int i : subsets.get(best)) chosen[i] = true;
			List<String> selected = new ArrayList<>();
			int t = 0;
			for (String n : names) {
				if (stuff.isStuff(n)) selected.add(n);
				else if (chosen[t++]) selected.add(n);
			}
			return new Result(List.copyOf(selected), List.copyOf(things), cosines, probabilities, kept.indices(),
				kept.fallback(), List.copyOf(prompts), scores, best, List.copyOf(stuffNames));
		}
	}

	/**
	 * The first stage on given scores: probabilities ≥ 1/n in index order; more than {@code eta} of them: the
	 * {@code eta} most probable, most probable first; none: the {@code min(eta, n)} best cosines, best first. Ties
	 * go to the lower index.
	 */
	static Kept keep(float[] cosines, float[] probabilities, int eta) {
		int n = probabilities.length;
		float threshold = (float) (1.0 / n); // torch compares float32 probabilities with the float32 of 1/|C|
		List<Integer> pass = new ArrayList<>();
		for (int i = 0; i < n; i++) if (probabilities[i] >= threshold) pass.add(i);
		if (pass.isEmpty()) return new Kept(top(cosines, allIndices(n), Math.min(eta, n)), true);
		if (pass.size() > eta) return new Kept(top(probabilities, pass, eta), false);
		return new Kept(pass.stream().mapToInt(Integer::intValue).toArray(), false);
	}

	private static List<Integer> allIndices(int n) {
		List<Integer> all = new ArrayList<>(n);
		for (int i = 0; i < n; i++) all.add(i);
		return all;
	}

	/** The k candidates with the highest values, highest first, lower index first on ties. */
	private static int[] top(float[] values, List<Integer> candidates, int k) {
		List<Integer> sorted = new ArrayList<>(candidates);
		sorted.sort((a, b) -> values[a] != values[b] ? Float.compare(values[b], values[a]) : Integer.compare(a, b));
		return sorted.subList(0, k).stream().mapToInt(Integer::intValue).toArray();
	}

	/** Python's {@code chain(combinations(items, r) for r in 1..n)}: by size, then lexicographically by position. */
	static List<int[]> powerset(int[] items) {
		List<int[]> out = new ArrayList<>();
		for (int r = 1; r <= items.length; r++) combinations(items, r, 0, new int[r], 0, out);
		return out;
	}

	private static void combinations(int[] items, int r, int start, int[] current, int depth, List<int[]> out) {
		if (depth == r) {
			out.add(current.clone());
			return;
		}
		for (int i = start; i <= items.length - (r - depth); i++) {
			current[depth] = items[i];
			combinations(items, r, i + 1, current, depth + 1, out);
		}
	}

	/** The image resized to the preprocessor's input size, normalised with its (CLIP's) mean and std. */
	private NDArray pixelValues(NDManager scope, NDArray image) {
		ImagePreprocessor pre = clip.preprocessor;
		int h = pre.doCenterCrop ? pre.cropHeight : pre.shortestEdge > 0 ? pre.shortestEdge : pre.height;
		int w = pre.doCenterCrop ? pre.cropWidth : pre.shortestEdge > 0 ? pre.shortestEdge : pre.width;
		NDArray x = image.toDevice(scope.getDevice(), true);
		x.attach(scope);
		x = x.toType(DataType.FLOAT32, false);
		boolean shrink = h < x.getShape().get(2) || w < x.getShape().get(3);
		NDArray resized = Resize.resize(x, h, w, shrink ? Resize.Mode.BICUBIC_ANTIALIAS : Resize.Mode.BILINEAR)
			.clip(0, 1);
		return pre.normalization.apply(resized);
	}

	/** Cosine similarity of the (normalised) image embedding with each prompt, [1, P] x prompts. */
	private float[] cosines(NDManager scope, NDArray imageEmbed, List<String> prompts) {
		float[][] text = textEmbeds(scope, prompts);
		int p = (int) imageEmbed.getShape().get(1);
		float[] flat = new float[text.length * p];
		for (int i = 0; i < text.length; i++) System.arraycopy(text[i], 0, flat, i * p, p);
		try (NDManager tmp = scope.newSubManager()) {
			NDArray t = tmp.create(flat, new Shape(text.length, p));
			NDArray img = imageEmbed.toType(DataType.FLOAT32, false);
			img.tempAttach(tmp);
			return img.matMul(t.transpose()).toFloatArray();
		}
	}

	private static float[] softmax(NDManager scope, float[] values) {
		try (NDManager tmp = scope.newSubManager()) {
			return tmp.create(values).softmax(0).toFloatArray();
		}
	}

	/** L2-normalised text embeddings of the prompts, from the cache or the text encoder in batches. */
	private synchronized float[][] textEmbeds(NDManager scope, List<String> prompts) {
		float[][] out = new float[prompts.size()][];
		List<Integer> missing = new ArrayList<>();
		for (int i = 0; i < prompts.size(); i++) {
			out[i] = textCache.get(prompts.get(i));
			if (out[i] == null) missing.add(i);
		}
		for (int from = 0; from < missing.size(); from += BATCH) {
			List<Integer> batch = missing.subList(from, Math.min(from + BATCH, missing.size()));
			List<long[]> ids = new ArrayList<>();
			int length = 0;
			for (int i : batch) {
				ClipTokenizer.Encoding e = tokenizer.encode(prompts.get(i));
				ids.add(e.ids());
				length = Math.max(length, Math.min(e.textTokenCount(), e.ids().length - 2) + 2);
			}
			long[] flat = new long[batch.size() * length];
			for (int b = 0; b < batch.size(); b++) System.arraycopy(ids.get(b), 0, flat, b * length, length);
			try (NDManager tmp = scope.newSubManager()) {
				NDArray embeds = ClipModel.normalize(clip.textEmbeds(tmp.create(flat, new Shape(batch.size(), length))));
				float[] v = embeds.toType(DataType.FLOAT32, false).toFloatArray();
				int p = (int) embeds.getShape().get(1);
				for (int b = 0; b < batch.size(); b++) {
					float[] row = Arrays.copyOfRange(v, b * p, (b + 1) * p);
					out[batch.get(b)] = row;
					textCache.put(prompts.get(batch.get(b)), row);
				}
			}
		}
		return out;
	}
}
