package org.diffseg.ovdiff;

import static org.diffseg.ovdiff.ClipFeaturesTest.load;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.diffseg.TinyModel;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.Uint8Image;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CategoryFilterTest extends TensorTest {
	@RegisterExtension
	static final TinyModel<ClipModel> clip = TinyModel.clip();
	static final Path FOLDER = clip.folder();
	static final Path REF = Path.of("models/tiny-vit/reference");
	static final double TOLERANCE = 1e-5; // cosines are at most 1 in magnitude
	static ClipTokenizer tokenizer;
	/** The fixture's centre-cropped test image / 255: the filter's pixel values are then preprocess/clip.pixel_values. */
	static NDArray image;
	/** The image embedding computed from the reference pixel values, L2-normalised, [1, 24]. */
	static NDArray imageEmbed;

	@BeforeAll
	static void load() throws Exception {
		tokenizer = ClipTokenizer.load(FOLDER);
		Path pre = REF.resolve("preprocess.safetensors");
		image = Uint8Image.of(ClipFeaturesTest.load(m, pre, "clip.cropped_uint8")).toFloatNchw(m);
		imageEmbed = ClipModel.normalize(clip.get().imageEmbeds(ClipFeaturesTest.load(m, pre, "clip.pixel_values")));
	}

	/** Cosine of the image with each prompt, each prompt encoded alone with the full 77-token padding. */
	static float[] direct(List<String> prompts) {
		float[] out = new float[prompts.size()];
		for (int from = 0; from < prompts.size(); from += 256) {
			int n = Math.min(256, prompts.size() - from);
			long[] ids = new long[n * 77];
			for (int i = 0; i < n; i++) System.arraycopy(tokenizer.encode(prompts.get(from + i)).ids(), 0, ids, i * 77, 77);
			try (NDManager t = m.newSubManager()) {
				NDArray text = ClipModel.normalize(clip.get().textEmbeds(t.create(ids, new Shape(n, 77))));
				NDArray img = imageEmbed.duplicate();
				img.attach(t);
				System.arraycopy(img.matMul(text.transpose()).toFloatArray(), 0, out, from, n);
			}
		}
		return out;
	}

	static void assertClose(float[] expected, float[] actual, String what) {
		assertEquals(expected.length, actual.length, what + " length");
		for (int i = 0; i < expected.length; i++)
			assertEquals(expected[i], actual[i], TOLERANCE, what + " [" + i + "]");
	}

	static float[] softmax(float[] x) {
		double max = Double.NEGATIVE_INFINITY, sum = 0;
		for (float v : x) max = Math.max(max, v);
		float[] out = new float[x.length];
		for (float v : x) sum += Math.exp(v - max);
		for (int i = 0; i < x.length; i++) out[i] = (float) (Math.exp(x[i] - max) / sum);
		return out;
	}

	/** The subset search: prompts, scores and the winner agree with a direct computation of every prompt. */
	static void checkSubsetSearch(CategoryFilter.Result r) {
		List<int[]> subsets = CategoryFilter.powerset(r.kept());
		assertEquals((1 << r.kept().length) - 1, r.prompts().size());
		for (int s = 0; s < subsets.size(); s++) {
			List<String> parts = new ArrayList<>();
			for (int i : subsets.get(s)) parts.add("a " + r.things().get(i));
			assertEquals(String.join(" and ", parts), r.prompts().get(s));
		}
		float[] expected = direct(r.prompts());
		assertClose(expected, r.promptScores(), "subset prompt cosine");
		float max = Float.NEGATIVE_INFINITY;
		for (float v : expected) max = Math.max(max, v);
		assertTrue(expected[r.best()] >= max - TOLERANCE, "the winner " + r.prompts().get(r.best()) + " scores " +
			expected[r.best()] + ", the best prompt " + max);
		for (int i = 0; i < r.promptScores().length; i++)
			assertTrue(r.promptScores()[i] <= r.promptScores()[r.best()], "argmax");
		List<String> chosen = new ArrayList<>();
		for (int i : subsets.get(r.best())) chosen.add(r.things().get(i));
		List<String> selectedThings = r.selected().stream().filter(n -> !r.stuff().contains(n)).toList();
		assertEquals(r.things().stream().filter(chosen::contains).toList(), selectedThings,
			"the winning subset, in vocabulary order");
	}

	@Test
	void keepsClassesWithProbabilityAtLeastOneOverC() {
		List<String> classes = List.of("aeroplane", "bicycle", "bird", "boat", "bottle", "bus");
		CategoryFilter.Result r = new CategoryFilter(clip.get(), tokenizer).classify(image, classes, StuffTable.builtIn());
		assertEquals(classes, r.things());
		float[] cos = direct(classes.stream().map(c -> "a " + c).toList());
		assertClose(cos, r.cosines(), "'a <c>' cosine");
		assertClose(softmax(cos), r.probabilities(), "probability");
		List<Integer> pass = new ArrayList<>();
		for (int i = 0; i < classes.size(); i++) if (r.probabilities()[i] >= 1f / classes.size()) pass.add(i);
		assertTrue(pass.size() > 0 && pass.size() < classes.size(), "the rule drops some classes here: " + pass);
		assertArrayEquals(pass.stream().mapToInt(Integer::intValue).toArray(), r.kept(), "vocabulary order");
		assertFalse(r.fallback());
		checkSubsetSearch(r);
	}

	@Test
	void etaCapsTheSubsetSearchAtTheMostProbable() {
		List<String> classes = StuffTable.COCO_THINGS.subList(0, 30);
		CategoryFilter.Result r = new CategoryFilter(clip.get(), tokenizer).classify(image, classes, StuffTable.builtIn());
		float[] p = r.probabilities();
		List<Integer> pass = new ArrayList<>();
		for (int i = 0; i < p.length; i++) if (p[i] >= 1f / p.length) pass.add(i);
		assertTrue(pass.size() > 10, "more than eta pass here: " + pass.size());
		assertEquals(10, r.kept().length);
		float lowestKept = Float.POSITIVE_INFINITY;
		for (int k = 0; k < 10; k++) {
			assertTrue(pass.contains(r.kept()[k]));
			if (k > 0) assertTrue(p[r.kept()[k - 1]] >= p[r.kept()[k]], "most probable first");
			lowestKept = Math.min(lowestKept, p[r.kept()[k]]);
		}
		for (int i : pass) if (Arrays.stream(r.kept()).noneMatch(k -> k == i))
			assertTrue(p[i] <= lowestKept, "a dropped class is no more probable than a kept one");
		assertEquals(1023, r.prompts().size());
		checkSubsetSearch(r);

		CategoryFilter.Result three = new CategoryFilter(clip.get(), tokenizer, 3).classify(image, classes,
			StuffTable.builtIn());
		assertArrayEquals(Arrays.copyOf(r.kept(), 3), three.kept(), "eta 3 keeps the three most probable");
		assertEquals(7, three.prompts().size());
	}

	@Test
	void firstStageRuleOnGivenScores() {
		// 1/|C| in float32, inclusive
		CategoryFilter.Kept k = CategoryFilter.keep(new float[] { .1f, .3f, .2f }, new float[] { .2f, 1f / 3, .5f }, 10);
		assertArrayEquals(new int[] { 1, 2 }, k.indices());
		assertFalse(k.fallback());
		// none reaches 1/|C| (float rounding): the best cosines, best first, at most eta
		float[] low = new float[12], cos = new float[12];
		Arrays.fill(low, 1f / 12 - 1e-6f);
		for (int i = 0; i < 12; i++) cos[i] = (i * 5 % 12) / 12f;
		k = CategoryFilter.keep(cos, low, 10);
		assertTrue(k.fallback());
		assertEquals(10, k.indices().length);
		for (int i = 1; i < 10; i++) assertTrue(cos[k.indices()[i - 1]] > cos[k.indices()[i]]);
		assertArrayEquals(new int[] { 7, 2, 9 }, CategoryFilter.keep(cos, low, 3).indices());
		assertArrayEquals(new int[] { 1, 0 }, CategoryFilter.keep(new float[] { .1f, .2f },
			new float[] { .4f, .4f }, 10).indices(), "fewer classes than eta");
		// more than eta pass: the eta most probable, most probable first, ties to the lower index
		float[] p = { .3f, .1f, .3f, .4f, .2f };
		assertArrayEquals(new int[] { 3, 0, 2 }, CategoryFilter.keep(new float[5], p, 3).indices());
	}

	@Test
	void powersetInItertoolsOrder() {
		List<int[]> s = CategoryFilter.powerset(new int[] { 5, 7, 9 });
		int[][] expected = { { 5 }, { 7 }, { 9 }, { 5, 7 }, { 5, 9 }, { 7, 9 }, { 5, 7, 9 } };
		assertEquals(expected.length, s.size());
		for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], s.get(i));
		assertEquals(1023, CategoryFilter.powerset(new int[10]).size());
	}

	@Test
	void stuffClassesBypassTheFilter() {
		List<String> classes = List.of("sky", "cat", "Grass", "dog", "car", "road");
		CategoryFilter.Result r = new CategoryFilter(clip.get(), tokenizer).classify(image, classes, StuffTable.builtIn());
		assertEquals(List.of("sky", "Grass", "road"), r.stuff());
		assertEquals(List.of("cat", "dog", "car"), r.things());
		assertTrue(r.selected().containsAll(r.stuff()));
		assertEquals(classes.stream().filter(r.selected()::contains).toList(), r.selected(), "vocabulary order");
		for (String prompt : r.prompts()) assertFalse(prompt.contains("sky") || prompt.contains("road"), prompt);
		checkSubsetSearch(r);
		// a user's verdict moves a class out of the filter
		CategoryFilter.Result cat = new CategoryFilter(clip.get(), tokenizer).classify(image, classes,
			StuffTable.builtIn().with("cat", true));
		assertTrue(cat.selected().contains("cat") && cat.stuff().contains("cat"));

		CategoryFilter.Result all = new CategoryFilter(clip.get(), tokenizer).classify(image, List.of("sky", "water"),
			StuffTable.builtIn());
		assertEquals(List.of("sky", "water"), all.selected());
		assertEquals(-1, all.best());
		assertTrue(all.prompts().isEmpty());
	}

	@Test
	void deterministicAndCachedResultsAgree() {
		List<String> classes = List.of("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train");
		CategoryFilter filter = new CategoryFilter(clip.get(), tokenizer);
		CategoryFilter.Result a = filter.classify(image, classes, StuffTable.builtIn());
		CategoryFilter.Result b = new CategoryFilter(clip.get(), tokenizer).classify(image, classes, StuffTable.builtIn());
		CategoryFilter.Result cached = filter.classify(image, classes, StuffTable.builtIn());
		for (CategoryFilter.Result x : List.of(b, cached)) {
			assertEquals(a.selected(), x.selected());
			assertArrayEquals(a.cosines(), x.cosines());
			assertArrayEquals(a.promptScores(), x.promptScores());
			assertArrayEquals(a.kept(), x.kept());
		}
		assertEquals(a.selected(), filter.select(image, classes, StuffTable.builtIn()));
		// any image size: resized to the preprocessor's 32 x 32
		try (NDManager t = m.newSubManager()) {
			NDArray big = t.randomUniform(0, 1, new Shape(1, 3, 50, 70));
			List<String> s = filter.select(big, classes, StuffTable.builtIn());
			assertFalse(s.isEmpty());
			assertEquals(s, filter.select(big, classes, StuffTable.builtIn()));
		}
	}

	@Test
	void badInputsGiveClearErrors() {
		CategoryFilter filter = new CategoryFilter(clip.get(), tokenizer);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> filter.select(image, List.of(), StuffTable.builtIn()));
		assertTrue(e.getMessage().contains("empty"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class,
			() -> filter.select(image, List.of("dog", "cat", " Dog"), StuffTable.builtIn()));
		assertTrue(e.getMessage().contains("same class"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> filter.select(image, List.of("dog", " "), StuffTable.builtIn()));
		assertThrows(IllegalArgumentException.class,
			() -> filter.select(m.zeros(new Shape(1, 4, 32, 32)), List.of("dog"), StuffTable.builtIn()));
		assertThrows(IllegalArgumentException.class, () -> new CategoryFilter(clip.get(), tokenizer, 0));
		assertThrows(IllegalArgumentException.class, () -> new CategoryFilter(clip.get(), tokenizer, 17));
	}
}
