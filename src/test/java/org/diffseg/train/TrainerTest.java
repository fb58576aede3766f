package org.diffseg.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

	private static final Trainer.Listener QUIET = new Trainer.Listener() {
		@Override
		public void step(String stage, int step, int steps, float loss, double secondsPerStep) {}

		@Override
		public void message(String line) {}
	};

	@Test
	void lossGoesDownAndTheModelLoads(@TempDir Path dir) throws Exception {
		Recipe r = Recipe.preset("smoke").withSteps(30, 30).withCheckpointEvery(1000);
		Trainer.Result result = new Trainer(r, new TestWorld(), 7, dir.resolve("work"), QUIET, null).run();
		assertTrue(result.finished());
		Trainer.State s = result.state();
		assertTrue(avg(s.vaeLoss, 0, 5) > avg(s.vaeLoss, 25, 30), "VAE loss " + s.vaeLoss);
		assertTrue(avg(s.unetLoss, 0, 5) > avg(s.unetLoss, 25, 30), "UNet loss " + s.unetLoss);
		assertTrue(s.scalingFactor > 0 && Float.isFinite(s.scalingFactor));
		try (StableDiffusion sd = StableDiffusion.load(result.model())) {
			assertEquals(s.scalingFactor, sd.vae.scalingFactor(), 1e-6);
			for (String w : new TestWorld().words())
				assertEquals(1, sd.tokenizer.textTokenIds(w).size(), w);
		}
	}

	@Test
	void resumeAfterAStopContinuesExactly(@TempDir Path dir) throws Exception {
		Recipe r = Recipe.preset("smoke").withSteps(6, 6).withCheckpointEvery(2);
		Trainer.Result whole = new Trainer(r, new TestWorld(), 3, dir.resolve("a"), QUIET, null).run();
		// stop after the checkpoint at UNet step 4 (the cancel flag is read before each step)
		AtomicInteger steps = new AtomicInteger();
		Trainer.Listener counting = new Trainer.Listener() {
			@Override
			public void step(String stage, int step, int total, float loss, double secondsPerStep) {
				steps.set(stage.equals("unet") ? step : 0);
			}

			@Override
			public void message(String line) {}
		};
		Trainer.Result part = new Trainer(r, new TestWorld(), 3, dir.resolve("b"), counting,
			() -> steps.get() >= 5).run();
		assertFalse(part.finished());
		assertEquals(4, part.state().step > 0 ? readState(dir.resolve("b/checkpoint")).step : -1);
		Trainer.Result resumed = new Trainer(r, new TestWorld(), 3, dir.resolve("b"), QUIET, null).run();
		assertTrue(resumed.finished());
		// PyTorch's CPU kernels round differently from one run to the next within a JVM (buffer alignment), so two
		// uninterrupted runs already differ in the last bits; the resumed run must follow the same course
		assertEquals(whole.state().unetLoss.size(), resumed.state().unetLoss.size());
		for (int i = 0; i < whole.state().unetLoss.size(); i++)
			assertEquals(whole.state().unetLoss.get(i), resumed.state().unetLoss.get(i), 0.03, "UNet step " + i);
		assertEquals(whole.state().scalingFactor, resumed.state().scalingFactor, 0.01);
	}

	@Test
	void aFinishedRunContinuesWhenGivenMoreSteps(@TempDir Path dir) throws Exception {
		Recipe shorter = Recipe.preset("smoke").withSteps(4, 3).withCheckpointEvery(1000);
		Trainer.Result first = new Trainer(shorter, new TestWorld(), 9, dir.resolve("w"), QUIET, null).run();
		assertTrue(first.finished());
		assertEquals("done", readState(first.model()).stage);
		assertTrue(Files.isRegularFile(first.model().resolve("optimizer-unet.safetensors")), "moments kept");
		Trainer.Result longer = new Trainer(shorter.withSteps(4, 6), new TestWorld(), 9, dir.resolve("w"), QUIET, null)
			.run();
		assertTrue(longer.finished());
		Trainer.State s = readState(longer.model());
		assertEquals("done", s.stage);
		assertEquals(6, s.step);
		assertEquals(6, s.unetLoss.size());
		assertEquals(first.state().unetLoss, s.unetLoss.subList(0, 3));
	}

	@Test
	void checkpointReloadsBitIdentically(@TempDir Path dir) throws Exception {
		Recipe r = Recipe.preset("smoke").withSteps(2, 0);
		Trainer.Result result = new Trainer(r, new TestWorld(), 5, dir.resolve("w"), QUIET, null).run();
		Path f = result.model().resolve("vae/diffusion_pytorch_model.safetensors");
		try (NDManager m = NDManager.newBaseManager()) {
			var vae = Net.vae(result.model(), m);
			Path copy = dir.resolve("copy.safetensors");
			vae.write(copy, false);
			assertSameTensors(f, copy);
		}
	}

	@Test
	void tokenizerKeepsWorldWordsWhole(@TempDir Path dir) throws Exception {
		List<String> words = List.of("a", "and", "red", "green", "blue", "yellow", "purple", "white", "circle",
			"square", "triangle", "star", "ring", "background", "picture", "good", "of");
		int size = ClipVocabulary.write(dir, words);
		assertTrue(size < 700, "vocabulary of " + size);
		ClipTokenizer t = ClipTokenizer.load(dir);
		for (String w : words) assertEquals(1, t.textTokenIds(w).size(), w);
		assertEquals(7, t.textTokenIds("a red star and a blue ring").size());
		assertEquals(size - 2, t.bosId());
		// words outside the world still tokenize (to byte-level pieces)
		assertFalse(t.textTokenIds("zebra!").isEmpty());
		assertTrue(Files.readString(dir.resolve("merges.txt")).startsWith("#version: 0.2\n"));
	}

	@Test
	void theShapesRecipesRecommendedSettingsAreValid(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve(org.diffseg.task.ModelRecommendations.FILE),
			Recipe.preset("shapes").recommendedSettings());
		var s = org.diffseg.task.ModelRecommendations.peekaboo(dir).build();
		assertEquals(64, s.size());
		assertEquals(null, Recipe.preset("smoke").recommendedSettings());
	}

	@Test
	void halfPrecisionRoundsLikeIeee() {
		for (float f : new float[] { 0f, 1f, -2.5f, 65504f, 1e-7f, 3.14159f, -0.1f, 6.1e-5f })
			assertEquals(f, SafeTensors.halfToFloat(Net.toHalf(f)), Math.abs(f) * 1e-3 + 6e-8, "value " + f);
		assertEquals(Float.POSITIVE_INFINITY, SafeTensors.halfToFloat(Net.toHalf(1e6f)));
	}

	private static Trainer.State readState(Path ckpt) throws Exception {
		return new com.google.gson.Gson().fromJson(Files.readString(ckpt.resolve("state.json")), Trainer.State.class);
	}

	private static void assertSameTensors(Path a, Path b) throws Exception {
		try (SafeTensors x = SafeTensors.open(a); SafeTensors y = SafeTensors.open(b)) {
			assertEquals(x.tensors().keySet(), y.tensors().keySet());
			for (String k : x.tensors().keySet()) assertArrayEquals(x.readFloats(k), y.readFloats(k), 0f, k);
		}
	}

	private static double avg(List<Float> v, int from, int to) {
		double s = 0;
		for (int i = from; i < to; i++) s += v.get(i);
		return s / (to - from);
	}
}
