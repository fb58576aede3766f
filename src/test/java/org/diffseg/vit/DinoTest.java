package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.sd.nn.WeightStore;
import org.diffseg.vit.PositionEmbeddingInterpolation.GridOrder;
import org.diffseg.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DinoTest {
	@RegisterExtension
	static final TinyModel<ViTModel> dino = TinyModel.dino();

	@Test
	void configIsReadFromTheFolder() {
		VisionTransformer.Config c = dino.get().vision.config;
		assertEquals(VisionTransformer.Layout.VIT, c.layout());
		assertEquals("gelu", c.act());
		assertEquals(1e-6f, c.eps());
		assertEquals(2, dino.get().vision.ovdiffKeyLayer());
	}

	@Test
	void nativeForwardMatchesEveryTensor() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = load(m, "dino", "native.pixel_values");
			VisionTransformer.Output out = dino.get().vision.forward(x, true, -1, GridOrder.ROW_COLUMN);
			NDArray hs = load(m, "dino", "native.hidden_states");
			for (int i = 0; i < 4; i++) assertRelative(out.hiddenStates().get(i), hs.get(i), 1e-4, "hidden_states " + i);
			assertRelative(out.pooled(), load(m, "dino", "native.cls_output"), 1e-4, "cls_output");
			checkCase(m, "native", out);
		}
	}

	@Test
	void interpolatedCasesMatchEveryTensor() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			for (String c : new String[] { "h40w48", "h39w47", "sq64" }) {
				NDArray x = load(m, "dino", c + ".pixel_values");
				checkCase(m, c, dino.get().vision.forward(x, false, -1, GridOrder.ROW_COLUMN));
			}
		}
	}

	private void checkCase(NDManager m, String c, VisionTransformer.Output out) throws Exception {
		assertRelative(out.embeddings(), load(m, "dino", c + ".embeddings"), 1e-4, c + ".embeddings");
		assertRelative(out.positionEmbedding().expandDims(0), load(m, "dino", c + ".position_embeddings"), 1e-4,
			c + ".position_embeddings");
		assertRelative(out.lastHiddenState(), load(m, "dino", c + ".last_hidden_state"), 1e-4, c + ".last_hidden_state");
		assertRelative(out.keys(), load(m, "dino", c + ".keys_last_layer"), 1e-4, c + ".keys_last_layer");
		if (c.equals("native")) return; // OVDiff's path is not stored for the HF-preprocessed native case
		NDArray dense = dino.get().vision.denseKeys(load(m, "dino", c + ".pixel_values"), -1);
		assertRelative(VitReferenceCheck.headMinor(dense.squeeze(0), dino.get().vision.config.heads()),
			load(m, "dino", c + ".ovdiff_features"), 1e-4, c + ".ovdiff_features");
	}

	/** Intermediates are freed as each layer returns: only the results join the caller's manager. */
	@Test
	void forwardLeavesOnlyItsResultsInTheCallersManager() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = load(m, "dino", "sq64.pixel_values");
			int before = m.getManagedArrays().size();
			dino.get().vision.denseKeys(x, -1);
			assertEquals(before + 1, m.getManagedArrays().size(), "dense keys only");
			VisionTransformer.Output out = dino.get().vision.forward(x);
			assertEquals(before + 5, m.getManagedArrays().size(), "embeddings, position table, last state, pooled");
			assertNull(out.hiddenStates());
			assertNull(out.keys());
		}
	}

	/** DINO's rule: the stored table is kept only for a native grid on a square input; 32x33 is resampled. */
	@Test
	void nativeGridOnANonSquareInputIsStillResampled() throws Exception {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray stored = dino.get().vision.positionEmbedding(4, 4, true, GridOrder.ROW_COLUMN, m);
			NDArray resampled = dino.get().vision.positionEmbedding(4, 4, false, GridOrder.ROW_COLUMN, m);
			assertRelative(stored.expandDims(0), load(m, "dino", "native.position_embeddings"), 0, "native table");
			assertTrue(errors(resampled, stored)[1] > 1e-3, "a 4.1/4 scale factor moves the table");
		}
	}

	@Test
	void mismatchedWeightsListEveryProblemAtOnce(@TempDir Path dir) throws Exception {
		Files.copy(DINO.resolve("model.safetensors"), dir.resolve("model.safetensors"));
		Files.writeString(dir.resolve("config.json"), Files.readString(DINO.resolve("config.json"))
			.replace("\"num_hidden_layers\": 3", "\"num_hidden_layers\": 4")
			.replace("\"intermediate_size\": 37", "\"intermediate_size\": 36"));
		WeightStore.ModelLoadException e = assertThrows(WeightStore.ModelLoadException.class,
			() -> ViTModel.load(dir, Device.cpu(), DataType.FLOAT32));
		assertTrue(e.missing.stream().anyMatch(s -> s.startsWith("encoder.layer.3.")), e.getMessage());
		assertTrue(e.misshaped.stream().anyMatch(s -> s.startsWith("encoder.layer.0.intermediate.dense.weight")),
			e.getMessage());
	}

	@Test
	void wrongFolderAndPickledWeightsAreRefusedWithTheFix(@TempDir Path dir) throws Exception {
		Exception notVit = assertThrows(java.io.IOException.class, () -> ViTModel.load(CLIP, Device.cpu(),
			DataType.FLOAT32));
		assertTrue(notVit.getMessage().contains("'clip'"), notVit.getMessage());
		Files.copy(DINO.resolve("config.json"), dir.resolve("config.json"));
		Files.writeString(dir.resolve("pytorch_model.bin"), "not read");
		Exception pickle = assertThrows(java.io.IOException.class, () -> ViTModel.load(dir, Device.cpu(),
			DataType.FLOAT32));
		assertTrue(pickle.getMessage().contains("safetensors"), pickle.getMessage());
	}
}
