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

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

	private static Trainer trainer(Recipe r, long seed, Path work) {
		return new Trainer(r, new TestWorld(), seed, work, ProgressListener.NONE, TrainingLog.NONE, CancelToken.none());
	}

	@Test
	void lossGoesDownAndTheModelLoads(@TempDir Path dir) throws Exception {
		Recipe r = Recipe.preset("smoke").withSteps(30, 30).withCheckpointEvery(1000);
		Trainer.Result result = trainer(r, 7, dir.resolve("work")).run();
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
		Trainer.Result whole = trainer(r, 3, dir.resolve("a")).run();
		// stop after the checkpoint at UNet step 4 (the cancel token is read before each step)
		AtomicInteger steps = new AtomicInteger();
		List<String> progress = new ArrayList<>(), notes = new ArrayList<>();
		CancelToken cancel = new CancelToken();
		TrainingLog log = entry -> {
			if (entry instanceof TrainingLog.Step s) {
				assertTrue(Float.isFinite(s.loss()) && s.secondsPerStep() > 0, s.toString());
				steps.set(s.stage().equals("unet") ? s.step() : 0);
			}
			else notes.add(((TrainingLog.Note) entry).line());
		};
		Trainer.Result part = new Trainer(r, new TestWorld(), 3, dir.resolve("b"), (stage, done, total) -> {
			progress.add(stage + " " + done + "/" + total);
			if (stage.equals("UNet step") && done >= 5) cancel.cancel("stop");
		}, log, cancel).run();
		assertEquals(List.of("VAE step 1/6", "VAE step 2/6", "VAE step 3/6", "VAE step 4/6", "VAE step 5/6",
			"VAE step 6/6", "UNet step 1/6", "UNet step 2/6", "UNet step 3/6", "UNet step 4/6", "UNet step 5/6"),
			progress);
		assertEquals(5, steps.get());
		assertTrue(notes.contains("checkpoint: unet step 4"), notes.toString());
		assertFalse(part.finished());
		assertEquals(4, part.state().step > 0 ? readState(dir.resolve("b/checkpoint")).step : -1);
		Trainer.Result resumed = trainer(r, 3, dir.resolve("b")).run();
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
		Trainer.Result first = trainer(shorter, 9, dir.resolve("w")).run();
		assertTrue(first.finished());
		assertEquals("done", readState(first.model()).stage);
		assertTrue(Files.isRegularFile(first.model().resolve("optimizer-unet.safetensors")), "moments kept");
		Trainer.Result longer = trainer(shorter.withSteps(4, 6), 9, dir.resolve("w")).run();
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
		Trainer.Result result = trainer(r, 5, dir.resolve("w")).run();
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
