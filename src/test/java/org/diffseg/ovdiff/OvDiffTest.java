package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import java.util.Map;
import java.util.concurrent.CancellationException;

import org.diffseg.run.DiffSegException;
import org.diffseg.TinyModel;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.vit.ClipModel;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The facade on the tiny model with tiny settings: 2 support images, 2 steps, 4 parts. */
class OvDiffTest extends TensorTest {
	@RegisterExtension
	static final TinyModel<StableDiffusion> sd = TinyModel.sd();
	static FeatureExtractor.Ensemble features;
	static final OvDiff.Settings TINY = OvDiff.Settings.defaults()
		.withSampling(SupportSet.Sampling.defaults().withImages(2).withSteps(2)).withParts(4).withBatchSize(2);

	@TempDir
	Path dir;

	@BeforeAll
	static void features() {
		features = FeatureExtractor.Ensemble.of(new StableDiffusionFeatures(sd.get()));
	}

	@Test
	void buildsExtendsAndSegments() throws Exception {
		PrototypeBank bank = OvDiff.openBank(dir, sd.get(), TINY);
		OvDiff ovdiff = new OvDiff();
		List<String> events = new ArrayList<>();
		List<String> built = ovdiff.buildVocabulary(sd.get(), features, bank, List.of("cat", "Sky"), TINY,
			(stage, done, total) -> events.add(stage + " " + done + "/" + total), CancelToken.none());
		assertEquals(List.of("cat", "Sky"), built);
		assertEquals(List.of("class 1/2 (cat), support image 2/2", "class 1/2 (cat), prototypes of image 1/2",
			"class 1/2 (cat), prototypes of image 2/2", "class 2/2 (Sky), support image 2/2",
			"class 2/2 (Sky), prototypes of image 1/2", "class 2/2 (Sky), prototypes of image 2/2"), events);
		Path catFile = bank.file("cat", features.members().get(0).id());
		byte[] catBytes = Files.readAllBytes(catFile);
		// again: nothing to do; extending touches only the new class; another spelling of a present class is that class
		assertEquals(List.of(), ovdiff.buildVocabulary(sd.get(), features, bank, List.of(" CAT "), TINY,
			ProgressListener.NONE, CancelToken.none()));
		assertEquals(List.of("dog"), ovdiff.buildVocabulary(sd.get(), features, bank, List.of("dog", "sky"), TINY,
			ProgressListener.NONE, CancelToken.none()));
		assertArrayEquals(catBytes, Files.readAllBytes(catFile));
		assertEquals(List.of("Sky", "cat", "dog"), OvDiff.vocabulary(bank, features));

		try (NDManager s = m.newSubManager()) {
			NDArray image = StableDiffusionFeaturesTest.picture(s, 40, 56);
			List<String> progress = new ArrayList<>();
			OvDiff.Segmentation seg = ovdiff.segment(image, bank, List.of("dog", "sky", "Cat"), features, TINY,
				(stage, done, total) -> progress.add(done + "/" + total), CancelToken.none());
			Segmenter.Result r = seg.result();
			assertEquals(40, r.height());
			assertEquals(56, r.width());
			assertEquals(List.of("background", "dog", "Sky", "cat"), r.labels());
			assertEquals(Map.of("dog", false, "Sky", true, "cat", false), seg.stuff());
			assertEquals(List.of("dog #0 (seed 42)", "dog #1 (seed 43)"), seg.supportImages().get("dog"));
			assertFalse(progress.isEmpty());
			assertEquals(progress.get(progress.size() - 1), progress.size() + "/" + progress.size());
			for (int l : r.labelImage()) assertTrue(l >= 0 && l < 4);
			assertEquals(4, r.scores().length);
			// every winner is a prototype of the pixel's label: a bg prototype of a thing class for background
			List<Segmenter.PrototypeRef> refs = r.prototypes().get(0);
			for (int i = 0; i < r.labelImage().length; i++) {
				int label = r.labelImage()[i], winner = r.winners()[0][i];
				if (winner < 0) { // only where the label has no prototypes (all filtered by the stuff filter)
					assertTrue(refs.stream().noneMatch(p -> p.label() == label));
					continue;
				}
				Segmenter.PrototypeRef p = refs.get(winner);
				assertEquals(r.labelImage()[i], p.label());
				assertEquals(p.label() != 0, p.foreground());
				assertNotEquals("Sky", p.label() == 0 ? p.className() : "");
			}
		}
	}

	@Test
	void badInputGetsClearMessages() throws Exception {
		PrototypeBank bank = OvDiff.openBank(dir, sd.get(), TINY);
		OvDiff ovdiff = new OvDiff();
		ovdiff.buildVocabulary(sd.get(), features, bank, List.of("cat"), TINY, ProgressListener.NONE, CancelToken.none());
		try (NDManager s = m.newSubManager()) {
			NDArray image = StableDiffusionFeaturesTest.picture(s, 32, 32);
			DiffSegException unknown = assertThrows(DiffSegException.class,
				() -> ovdiff.segment(image, bank, List.of("cat", "zebra"), features, TINY,
					ProgressListener.NONE, CancelToken.none()));
			assertTrue(unknown.problem().contains("no prototypes for 'zebra'"), unknown.getMessage());
			assertEquals(DiffSegException.Kind.PROTOTYPES_MISSING, unknown.kind());
			assertEquals("zebra", unknown.detail(DiffSegException.CLASSES));
			assertFalse(unknown.getMessage().contains("--"), "no front-end's words in an engine: " + unknown.getMessage());
			assertTrue(assertThrows(IllegalArgumentException.class, () -> ovdiff.segment(image, bank, List.of(), features,
				TINY, ProgressListener.NONE, CancelToken.none())).getMessage().contains("vocabulary is empty"));
			assertTrue(assertThrows(IllegalArgumentException.class, () -> ovdiff.segment(image, bank,
				List.of("cat", " Cat"), features, TINY,
					ProgressListener.NONE, CancelToken.none())).getMessage().contains("same class"));
			assertTrue(assertThrows(IllegalArgumentException.class, () -> ovdiff.buildVocabulary(sd.get(), features, bank,
				List.of("dog", "DOG"), TINY,
					ProgressListener.NONE, CancelToken.none())).getMessage().contains("same class"));
			// a bank of another model: the class is there, but not for this model
			PrototypeBank other = new PrototypeBank(dir, "another-model", TINY.bankSettings(sd.get()));
			DiffSegException foreign = assertThrows(DiffSegException.class,
				() -> ovdiff.segment(image, other, List.of("cat"), features, TINY,
					ProgressListener.NONE, CancelToken.none()));
			assertTrue(foreign.getMessage().contains("another model"), foreign.getMessage());
			IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
				() -> OvDiff.vocabulary(other, features));
			assertTrue(empty.getMessage().contains("vocabulary is empty") && empty.getMessage().contains("another model"),
				empty.getMessage());
			assertTrue(assertThrows(IllegalArgumentException.class, () -> ovdiff.buildVocabulary(sd.get(), features, other,
				List.of("dog"), TINY,
					ProgressListener.NONE, CancelToken.none())).getMessage().contains("opened for model another-model"));
			OvDiff.Settings otherSettings = TINY.withParts(5);
			assertTrue(assertThrows(IllegalArgumentException.class, () -> ovdiff.buildVocabulary(sd.get(), features, bank,
				List.of("dog"), otherSettings,
					ProgressListener.NONE, CancelToken.none())).getMessage().contains("opened with settings"));
			DiffSegException otherParts = assertThrows(DiffSegException.class, () -> ovdiff.segment(image,
				OvDiff.openBank(dir, sd.get(), otherSettings), List.of("cat"), features, otherSettings,
					ProgressListener.NONE, CancelToken.none()));
			assertTrue(otherParts.getMessage().contains("parts 4 instead of 5"), otherParts.getMessage());
			// smaller than every window: segmented whole, at its own size
			Segmenter.Result small = ovdiff.segment(StableDiffusionFeaturesTest.picture(s, 5, 3), bank, List.of("cat"),
				features, TINY, ProgressListener.NONE, CancelToken.none()).result();
			assertEquals(5 * 3, small.labelImage().length);
			IllegalArgumentException thin = assertThrows(IllegalArgumentException.class, () -> ovdiff.segment(
				StableDiffusionFeaturesTest.picture(s, 2, 40), bank, List.of("cat"), features, TINY,
				ProgressListener.NONE, CancelToken.none()));
			assertTrue(thin.getMessage().contains("crop it"), thin.getMessage());
			CancelToken cancel = new CancelToken();
			List<String> steps = new ArrayList<>();
			assertEquals("stop", assertThrows(CancellationException.class, () -> ovdiff.segment(image, bank,
				List.of("cat"), features, TINY, (stage, done, total) -> {
					steps.add(stage + " " + done);
					cancel.cancel("stop");
				}, cancel)).getMessage());
			assertEquals(List.of("window 1"), steps, "stops at the next window");
		}
	}

	@Test
	void categoryFilterRemovesClassesButKeepsTheirLabels() throws Exception {
		PrototypeBank bank = OvDiff.openBank(dir, sd.get(), TINY);
		OvDiff ovdiff = new OvDiff();
		List<String> classes = List.of("cat", "dog", "sky", "car", "bird", "horse");
		ovdiff.buildVocabulary(sd.get(), features, bank, classes, TINY, ProgressListener.NONE, CancelToken.none());
		try (ClipModel clip = ClipModel.load(CategoryFilterTest.FOLDER, Device.cpu(), DataType.FLOAT32);
			NDManager s = m.newSubManager())
		{
			CategoryFilter filter = new CategoryFilter(clip, ClipTokenizer.load(CategoryFilterTest.FOLDER));
			NDArray image = StableDiffusionFeaturesTest.picture(s, 40, 56);
			OvDiff.Segmentation seg = ovdiff.segment(image, bank, classes, features, TINY, filter,
				ProgressListener.NONE, CancelToken.none());
			CategoryFilter.Result f = seg.filter();
			assertEquals(filter.select(image, classes, StuffTable.builtIn()), f.selected());
			assertTrue(f.selected().contains("sky"), "stuff bypasses the filter: " + f.selected());
			List<String> removed = classes.stream().filter(c -> !f.selected().contains(c)).toList();
			// the tiny CLIP's verdict on this picture is fixed; it must remove something for this test to mean anything
			assertFalse(removed.isEmpty(), f.selected().toString());

			Segmenter.Result r = seg.result();
			List<String> every = new ArrayList<>(List.of("background"));
			every.addAll(classes);
			assertEquals(every, r.labels(), "every class keeps its label");
			Segmenter.Result only = ovdiff.segment(image, bank, f.selected(), features, TINY,
				ProgressListener.NONE, CancelToken.none()).result();
			for (int i = 0; i < r.labelImage().length; i++)
				assertEquals(only.labels().get(only.labelImage()[i]), r.labels().get(r.labelImage()[i]), "pixel " + i);
			for (int l = 0; l < r.labels().size(); l++) {
				String name = r.labels().get(l);
				int k = only.labels().indexOf(name);
				if (k >= 0) assertArrayEquals(only.scores()[k], r.scores()[l], name);
				else for (float v : r.scores()[l]) assertTrue(Float.isNaN(v), name + " was not scored");
			}
			for (Segmenter.PrototypeRef p : r.prototypes().get(0)) {
				assertFalse(removed.contains(p.className()) && p.foreground(), p.toString());
				if (p.foreground()) assertEquals(p.className(), r.labels().get(p.label()));
			}
			// without the filter every class is matched
			assertNull(ovdiff.segment(image, bank, classes, features, TINY,
				ProgressListener.NONE, CancelToken.none()).filter());
		}
	}
}
