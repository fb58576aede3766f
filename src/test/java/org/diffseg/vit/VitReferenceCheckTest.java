package org.diffseg.vit;

import static org.diffseg.vit.VitFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VitReferenceCheckTest {

	@Test
	void clipPassesEveryReferenceTensorOfItsFiles() throws Exception {
		List<VitReferenceCheck.Result> r = VitReferenceCheck.run(CLIP, REF, Device.cpu(), DataType.FLOAT32, null);
		assertAllPass(r);
		Set<String> names = names(r);
		for (String n : new String[] { "preprocess/clip.resized_uint8", "preprocess/clip.cropped_uint8",
			"preprocess/clip.pixel_values", "clip_vision/keys_layer_m2", "clip_vision/hidden_states",
			"clip_vision/image_embeds_normalized", "clip_text/eos_index", "clip_text/attention_mask",
			"clip_text/text_embeds from openai_input_ids", "clip_logits/probs_per_image", "clip_logits/logit_scale",
			"clip_dense/h48w64.rowcol.ovdiff_features", "clip_dense/h48w64.ovdiff.position_embedding",
			"clip_dense/sq64.keys_layer_m2", "clip_dense/h48w64.pixel_values" })
			assertTrue(names.contains(n), n + " was not checked: " + names);
		assertFalse(names.stream().anyMatch(n -> n.startsWith("dino") || n.startsWith("preprocess/dino")),
			"DINO tensors belong to the DINO model");
	}

	@Test
	void dinoPassesEveryReferenceTensorOfItsFiles() throws Exception {
		List<VitReferenceCheck.Result> r = VitReferenceCheck.run(DINO, REF, Device.cpu(), DataType.FLOAT32, null);
		assertAllPass(r);
		Set<String> names = names(r);
		for (String c : new String[] { "native", "h40w48", "h39w47", "sq64" })
			for (String leaf : new String[] { "embeddings", "position_embeddings", "last_hidden_state", "keys_last_layer",
				"ovdiff_features", "pixel_values" })
				if (c.equals("native") && leaf.equals("pixel_values"))
					assertTrue(names.contains("dino/native.pixel_values from preprocess/image_uint8"), names.toString());
				else if (!(c.equals("native") && leaf.equals("ovdiff_features")))
					assertTrue(names.contains("dino/" + c + "." + leaf), c + "." + leaf + " was not checked: " + names);
		assertTrue(names.contains("dino/native.cls_output"));
		assertTrue(names.contains("preprocess/dino.resized_uint8"));
		assertFalse(names.stream().anyMatch(n -> n.startsWith("clip")), "CLIP tensors belong to the CLIP model");
	}

	/** An unseen folder: other file name, one value perturbed, one tensor renamed; the check must notice both. */
	@Test
	void unseenFolderIsDrivenByTensorNamesAndFailsWhereItShould(@TempDir Path dir) throws Exception {
		byte[] bytes = Files.readAllBytes(REF.resolve("dino.safetensors"));
		long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
		long begin;
		try (SafeTensors st = SafeTensors.open(REF.resolve("dino.safetensors"))) {
			begin = st.info("h39w47.keys_last_layer").begin();
		}
		int at = (int) (8 + headerLength + begin);
		ByteBuffer.wrap(bytes, at, 4).order(ByteOrder.LITTLE_ENDIAN)
			.putFloat(ByteBuffer.wrap(bytes, at, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat() + 0.5f);
		String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
		byte[] renamed = header.replace("\"native.cls_output\"", "\"native.xls_output\"").getBytes(StandardCharsets.UTF_8);
		System.arraycopy(renamed, 0, bytes, 8, renamed.length);
		Files.write(dir.resolve("dino_other.safetensors"), bytes);

		List<VitReferenceCheck.Result> r = VitReferenceCheck.run(DINO, dir, Device.cpu(), DataType.FLOAT32, null);
		Set<String> failed = r.stream().filter(x -> !x.pass()).map(VitReferenceCheck.Result::name)
			.collect(Collectors.toSet());
		assertEquals(Set.of("dino_other/h39w47.keys_last_layer", "dino_other/native.xls_output (no check knows this " +
			"tensor name)"), failed);
		assertTrue(r.size() > 20, "the other tensors are still checked: " + r.size());
	}

	@Test
	void aWrongModelFails(@TempDir Path dir) throws Exception {
		for (String f : new String[] { "model.safetensors", "preprocessor_config.json" })
			Files.copy(DINO.resolve(f), dir.resolve(f));
		Files.writeString(dir.resolve("config.json"), Files.readString(DINO.resolve("config.json"))
			.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"quick_gelu\""));
		List<VitReferenceCheck.Result> r = VitReferenceCheck.run(dir, REF, Device.cpu(), DataType.FLOAT32, null);
		assertTrue(r.stream().anyMatch(x -> x.name().equals("dino/native.last_hidden_state") && !x.pass()));
		assertTrue(r.stream().anyMatch(x -> x.name().equals("dino/native.embeddings") && x.pass()),
			"the embeddings do not depend on the activation");
	}

	@Test
	void aFolderWithoutReferencesIsAnError(@TempDir Path dir) {
		Exception e = assertThrows(java.io.IOException.class,
			() -> VitReferenceCheck.run(CLIP, dir, Device.cpu(), DataType.FLOAT32, null));
		assertTrue(e.getMessage().contains("no reference tensors"), e.getMessage());
		assertTrue(VitReferenceCheck.handles(CLIP));
		assertFalse(VitReferenceCheck.handles(Path.of("models/tiny-sd-a")));
	}

	private static void assertAllPass(List<VitReferenceCheck.Result> r) {
		List<String> failed = r.stream().filter(x -> !x.pass()).map(VitReferenceCheck.Result::line).toList();
		assertTrue(failed.isEmpty(), String.join("\n", failed));
	}

	private static Set<String> names(List<VitReferenceCheck.Result> r) {
		return r.stream().map(x -> x.name().replace(" (absolute bound)", "")).collect(Collectors.toSet());
	}
}
