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
		// every file of the fixtures is covered
		for (String file : List.of("tokenizer/", "text_encoder/", "vae/", "vae_debug/", "unet/", "unet_debug_t999/",
			"cross_attention_probs/", "cross_attention_queries/", "scheduler/", "sampling/", "peekaboo_sds/"))
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
