package org.diffseg.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.diffseg.model.ModelFolderCheck.Component;
import org.diffseg.model.ModelFolderCheck.Report;
import org.diffseg.model.ModelFolderCheck.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderCheckTest {

	static final Path TINY = Path.of("models/tiny-sd-a");

	@TempDir
	Path tmp;

	/** A copy of the tiny model's files (not its reference data) to break. */
	Path copy() throws IOException {
		Path dest = tmp.resolve("model");
		try (Stream<Path> s = Files.walk(TINY)) {
			for (Path p : s.filter(Files::isRegularFile).toList()) {
				Path rel = TINY.relativize(p);
				if (rel.startsWith("reference")) continue;
				Files.createDirectories(dest.resolve(rel).getParent());
				Files.copy(p, dest.resolve(rel));
			}
		}
		return dest;
	}

	static Component component(Report r, String name) {
		return r.components().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
	}

	@Test
	void tinyModelIsComplete() {
		Report r = ModelFolderCheck.check(TINY);
		assertTrue(r.ok(), r.describe());
		assertEquals("StableDiffusionPipeline", r.pipelineClass());
		assertEquals("UNet2DConditionModel", component(r, "unet").className());
		assertEquals(6, r.components().size());
		assertTrue(r.describe().contains("complete"), r.describe());
	}

	@Test
	void missingWeightsAreNamed() throws IOException {
		Path m = copy();
		Files.delete(m.resolve("unet/diffusion_pytorch_model.safetensors"));
		Files.delete(m.resolve("tokenizer/merges.txt"));
		Report r = ModelFolderCheck.check(m);
		assertFalse(r.ok());
		assertEquals(Status.MISSING, component(r, "unet").status());
		assertEquals(Status.MISSING, component(r, "tokenizer").status());
		assertEquals(Status.OK, component(r, "vae").status());
		assertTrue(r.summary().contains("unet/diffusion_pytorch_model.safetensors"), r.summary());
		assertTrue(r.summary().contains("tokenizer/merges.txt"), r.summary());
		assertTrue(r.describe().contains("missing  unet/diffusion_pytorch_model.safetensors"), r.describe());
	}

	@Test
	void pickleOnlyComponentIsFlagged() throws IOException {
		Path m = copy();
		Files.move(m.resolve("vae/diffusion_pytorch_model.safetensors"), m.resolve("vae/diffusion_pytorch_model.bin"));
		Report r = ModelFolderCheck.check(m);
		Component vae = component(r, "vae");
		assertEquals(Status.PICKLE_ONLY, vae.status());
		assertTrue(vae.advice().contains("diffusion_pytorch_model.bin") && vae.advice().contains("arbitrary code"),
			vae.advice());
		assertTrue(r.describe().contains("PICKLE ONLY"), r.describe());
	}

	@Test
	void truncatedWeightsAndBadJsonAreBroken() throws IOException {
		Path m = copy();
		Path te = m.resolve("text_encoder/model.safetensors");
		byte[] data = Files.readAllBytes(te);
		Files.write(te, java.util.Arrays.copyOf(data, data.length / 2));
		Files.writeString(m.resolve("scheduler/scheduler_config.json"), "{\"beta_start\": 0.00085,");
		Report r = ModelFolderCheck.check(m);
		Component text = component(r, "text_encoder");
		assertEquals(Status.BROKEN, text.status());
		assertTrue(text.files().stream().anyMatch(f -> f.problem() != null && f.problem().contains("truncated")),
			r.describe());
		assertEquals(Status.BROKEN, component(r, "scheduler").status());
		assertTrue(r.describe().contains("not valid JSON"), r.describe());
	}

	@Test
	void onlyAHalfPrecisionVariantIsExplained() throws IOException {
		Path m = copy();
		Files.move(m.resolve("unet/diffusion_pytorch_model.safetensors"),
			m.resolve("unet/diffusion_pytorch_model.fp16.safetensors"));
		Component unet = component(ModelFolderCheck.check(m), "unet");
		assertEquals(Status.MISSING, unet.status());
		assertTrue(unet.advice().contains("diffusion_pytorch_model.fp16.safetensors"), unet.advice());
	}

	@Test
	void wrongFolderChoicesGetDirections() throws IOException {
		Path m = copy();
		Report sub = ModelFolderCheck.check(m.resolve("unet"));
		assertTrue(component(sub, "model_index").advice().contains("parent folder"), sub.describe());

		Report parent = ModelFolderCheck.check(tmp);
		assertTrue(component(parent, "model_index").advice().contains(m.toString()), parent.describe());

		Path single = tmp.resolve("single");
		Files.createDirectories(single);
		Files.write(single.resolve("v1-5-pruned-emaonly.safetensors"), new byte[16]);
		assertTrue(component(ModelFolderCheck.check(single), "model_index").advice().contains("single-file"));

		Report none = ModelFolderCheck.check(tmp.resolve("nope"));
		assertFalse(none.ok());
		assertTrue(none.summary().contains("no such folder"), none.summary());
	}
}
