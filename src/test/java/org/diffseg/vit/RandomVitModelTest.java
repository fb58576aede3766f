package org.diffseg.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random-weight CLIP and DINO folders have the real layout's tensors, load, and the presets have the real sizes. */
class RandomVitModelTest {

	private static Map<String, String> tensors(Path file) throws IOException {
		Map<String, String> out = new TreeMap<>();
		try (SafeTensors st = SafeTensors.open(file)) {
			st.tensors().forEach((name, info) -> out.put(name, Arrays.toString(info.shape())));
		}
		return out;
	}

	@Test
	void weightsForTheFixtureConfigsMatchTheFixtureFilesAndLoad(@TempDir Path dir) throws Exception {
		for (String model : new String[] { "tiny-clip", "tiny-dino" }) {
			Path fixture = Path.of("models/tiny-vit", model), folder = dir.resolve(model);
			Files.createDirectories(folder);
			try (var files = Files.list(fixture)) {
				for (Path f : files.toList()) if (!f.getFileName().toString().equals("model.safetensors"))
					Files.copy(f, folder.resolve(f.getFileName()));
			}
			RandomVitModel.writeWeights(folder, 7, null);
			// the names and shapes transformers saved, every one of them but the vision tower's constant position ids
			// (a buffer older transformers saved; the loader does not need it)
			Map<String, String> saved = tensors(fixture.resolve("model.safetensors"));
			saved.remove("vision_model.embeddings.position_ids");
			assertEquals(saved, tensors(folder.resolve("model.safetensors")), model);
			try (NDManager m = NDManager.newBaseManager()) {
				NDArray pixels = m.randomUniform(0, 1, new Shape(1, 3, 32, 32));
				float[] out;
				if (model.equals("tiny-clip")) {
					try (ClipModel clip = ClipModel.load(folder, Device.cpu(), DataType.FLOAT32)) {
						out = clip.imageEmbeds(pixels).toFloatArray();
					}
				}
				else {
					try (ViTModel dino = ViTModel.load(folder, Device.cpu(), DataType.FLOAT32)) {
						out = dino.vision.denseKeys(pixels, dino.vision.ovdiffKeyLayer()).toFloatArray();
					}
				}
				for (float v : out) assertTrue(Float.isFinite(v), model);
			}
		}
	}

	@Test
	void presetsHaveTheRealModelsParameterCounts() throws Exception {
		assertEquals(149.6, millions("clip-vit-b16"), 0.05, "CLIP ViT-B/16");
		assertEquals(85.8, millions("dino-vitb8"), 0.05, "DINO ViT-B/8 (without the unused pooler)");
	}

	private static double millions(String preset) throws IOException {
		Path config = Files.createTempFile("config", ".json"), pre = Files.createTempFile("preprocessor", ".json");
		try (NDManager m = NDManager.newBaseManager(); WeightStore store = WeightStore.recordingShapes(preset, m)) {
			copy("/org/diffseg/vit/presets/" + preset + "/config.json", config);
			copy("/org/diffseg/vit/presets/" + preset + "/preprocessor_config.json", pre);
			RandomVitModel.build(store, Json.read(config), pre);
			long n = 0;
			for (long[] shape : store.recordedShapes().values()) n += Arrays.stream(shape).reduce(1, (a, b) -> a * b);
			return n / 1e6;
		}
		finally {
			Files.delete(config);
			Files.delete(pre);
		}
	}

	private static void copy(String resource, Path to) throws IOException {
		try (InputStream in = RandomVitModelTest.class.getResourceAsStream(resource)) {
			Files.write(to, in.readAllBytes());
		}
	}

	@Test
	void refusesAnUnknownPresetAndANonEmptyFolder(@TempDir Path dir) throws Exception {
		assertThrows(IllegalArgumentException.class, () -> RandomVitModel.write("vit-huge", 0, dir.resolve("x"), null));
		Files.writeString(dir.resolve("keep.txt"), "mine");
		IOException e = assertThrows(IOException.class, () -> RandomVitModel.write("dino-vitb8", 0, dir, null));
		assertTrue(e.getMessage().contains("not empty"), e.getMessage());
		assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
	}
}
