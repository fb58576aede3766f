package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.cli.DiffSegCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole parity protocol on the tiny model, through the check-model command, and its ability to fail. */
class ReferenceCheckTest {

	/** tiny-sd-a: SD-1.x layout; tiny-sd-b: SD-2.x layout (linear projection, per-block heads, 16 groups, 8x12). */
	@ParameterizedTest
	@ValueSource(strings = { "models/tiny-sd-a", "models/tiny-sd-b" })
	void everyReferenceTensorPasses(String model) throws Exception {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "check-model", "--model", model, "--reference",
			model + "/reference" }, new PrintWriter(out), new PrintWriter(err));
		assertEquals(0, code, out + "\n" + err);
		assertFalse(out.toString().contains("FAIL"), out.toString());
		// every tensor of the fixtures is produced and compared: none is skipped
		assertTrue(out.toString().contains(" 0 failed, 0 skipped"), out.toString());
		// every file of the fixtures is covered
		for (String file : List.of("tokenizer/", "text_encoder/", "vae/", "vae_debug/", "unet/", "unet_debug_t999/",
			"cross_attention_probs/", "cross_attention_queries/", "scheduler/", "sampling/", "peekaboo_sds/", "bilateral/"))
			assertTrue(out.toString().contains("PASS " + file), "no check of " + file);
	}

	@Test
	void vitModelsAreCheckedByTheSameCommand() {
		for (String model : List.of("tiny-clip", "tiny-dino")) {
			StringWriter out = new StringWriter(), err = new StringWriter();
			int code = DiffSegCli.run(new String[] { "check-model", "--model", "models/tiny-vit/" + model, "--reference",
				"models/tiny-vit/reference" }, new PrintWriter(out), new PrintWriter(err));
			assertEquals(0, code, out + "\n" + err);
			assertTrue(out.toString().contains("PASS"), out.toString());
			assertFalse(out.toString().contains("FAIL"), out.toString());
		}
	}

	/**
	 * A v-prediction fixture's peekaboo_sds (eps_pred_cfg = the guided v converted to ε, grad_latents from it) passes on
	 * tiny-sd-a read as a v model and fails on the ε model; a tensor no check produces is listed as SKIP and counted.
	 */
	@Test
	void vPredictionScoreDistillationIsCheckedAndUnknownTensorsAreSkipped(@TempDir Path dir) throws Exception {
		Path model = Reference.tinyModelPredicting(dir, "v_prediction");
		Path ref = dir.resolve("ref");
		Files.createDirectories(ref);
		try (SafeTensors sds = SafeTensors.open(Reference.REF.resolve("peekaboo_sds.safetensors"))) {
			long t = sds.readLongs("timestep")[0];
			float a = new org.diffseg.sd.scheduler.NoiseSchedule(org.diffseg.sd.scheduler.SchedulerConfig.load(
				Reference.TINY_SD.resolve("scheduler/scheduler_config.json"))).alphaCumprod((int) t);
			float[] cfg = sds.readFloats("noise_pred_cfg"), noisy = sds.readFloats("latents_noisy"),
				noise = sds.readFloats("noise");
			float[] eps = new float[cfg.length], grad = new float[cfg.length];
			for (int i = 0; i < cfg.length; i++) {
				eps[i] = (float) Math.sqrt(a) * cfg[i] + (float) Math.sqrt(1 - a) * noisy[i];
				grad[i] = (1 - a) * (eps[i] - noise[i]);
			}
			SafeTensorsWriter w = new SafeTensorsWriter();
			for (SafeTensors.TensorInfo info : sds.tensors().values()) {
				// the alpha-logit gradients of a v model are not derived here: leave them out
				if (info.name().startsWith("grad_")) continue;
				if (info.dtype() == SafeTensors.Dtype.I64) w.addLongs(info.name(), info.shape(), sds.readLongs(info.name()));
				else w.addFloats(info.name(), info.shape(), sds.readFloats(info.name()));
			}
			long[] shape = sds.tensors().get("noise_pred_cfg").shape();
			w.addFloats("eps_pred_cfg", shape, eps);
			w.addFloats("grad_latents", shape, grad);
			w.addFloats("mystery", new long[] { 3 }, new float[] { 1, 2, 3 });
			w.write(ref.resolve("peekaboo_sds.safetensors"));
		}
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "check-model", "--model", model.toString(), "--reference",
			ref.toString() }, new PrintWriter(out), new PrintWriter(err));
		assertEquals(0, code, out + "\n" + err);
		assertTrue(out.toString().contains("PASS peekaboo_sds/eps_pred_cfg"), out.toString());
		assertTrue(out.toString().contains("PASS peekaboo_sds/grad_latents"), out.toString());
		assertTrue(out.toString().contains("SKIP peekaboo_sds/mystery ("), out.toString());
		assertTrue(out.toString().matches("(?s).*\\d+ checks, \\d+ passed, 0 failed, 1 skipped.*"), out.toString());
		// the ε model's output is not the reference's v: the converted prediction and the gradient fail
		out = new StringWriter();
		code = DiffSegCli.run(new String[] { "check-model", "--model", Reference.TINY_SD.toString(), "--reference",
			ref.toString() }, new PrintWriter(out), new PrintWriter(err));
		assertEquals(1, code, out.toString());
		assertTrue(out.toString().contains("FAIL peekaboo_sds/eps_pred_cfg"), out.toString());
		assertTrue(out.toString().contains("FAIL peekaboo_sds/grad_latents"), out.toString());
	}

	@Test
	void aPerturbedReferenceFails(@TempDir Path dir) throws Exception {
		// a reference folder the check has never seen: only the VAE file, with one value moved by 1 %
		Path ref = dir.resolve("ref");
		Files.createDirectories(ref);
		try (SafeTensors vae = SafeTensors.open(Reference.REF.resolve("vae.safetensors"))) {
			SafeTensorsWriter w = new SafeTensorsWriter();
			for (SafeTensors.TensorInfo t : vae.tensors().values()) {
				float[] v = vae.readFloats(t.name());
				if (t.name().equals("decoded")) v[17] *= 1.01f;
				w.addFloats(t.name(), t.shape(), v);
			}
			w.write(ref.resolve("vae.safetensors"));
		}
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "check-model", "--model", Reference.TINY_SD.toString(), "--reference",
			ref.toString() }, new PrintWriter(out), new PrintWriter(err));
		assertEquals(1, code, out.toString());
		assertTrue(out.toString().contains("FAIL vae/decoded"), out.toString());
		assertTrue(out.toString().contains("PASS vae/posterior_mean"), out.toString());
	}
}
