package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.sd.SafeTensors.SafeTensorsException;
import org.diffseg.sd.SafeTensorsTest.Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightFilesTest {

	@TempDir
	Path tmp;

	@Test
	void findsTheFixtureComponents() throws Exception {
		for (String[] c : new String[][] { { "models/tiny-sd-a/unet", "diffusion_pytorch_model.safetensors" },
			{ "models/tiny-sd-a/vae", "diffusion_pytorch_model.safetensors" },
			{ "models/tiny-sd-a/text_encoder", "model.safetensors" }, { "models/tiny-vit/tiny-clip", "model.safetensors" },
			{ "models/tiny-vit/tiny-dino", "model.safetensors" } })
		{
			Path dir = Path.of(c[0]);
			try (WeightFiles w = WeightFiles.open(dir); SafeTensors direct = SafeTensors.open(dir.resolve(c[1]))) {
				assertEquals(1, w.files().size());
				assertEquals(dir.resolve(c[1]), w.files().get(0).path());
				assertEquals(direct.tensors().keySet(), w.tensors().keySet());
			}
		}
		try (WeightFiles w = WeightFiles.open(Path.of("models/tiny-sd-a/text_encoder"))) {
			assertArrayEquals(new long[] { 77, 32 }, w.tensors().get("text_model.embeddings.position_embedding.weight").shape());
			assertSame(w.files().get(0), w.fileOf("text_model.embeddings.position_ids"));
		}
	}

	@Test
	void prefersTheNonVariantUnlessAVariantIsAsked() throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("unet"));
		new Writer().addFloats("w", new long[] { 1 }, 32).write(dir.resolve("diffusion_pytorch_model.safetensors"));
		new Writer().add("w", "F16", new long[] { 1 }, SafeTensorsTest.le(2, 0x3c00))
			.write(dir.resolve("diffusion_pytorch_model.fp16.safetensors"));
		Files.writeString(dir.resolve("config.json"), "{}");
		try (WeightFiles w = WeightFiles.open(dir)) {
			assertEquals("diffusion_pytorch_model.safetensors", w.files().get(0).path().getFileName().toString());
			assertEquals(SafeTensors.Dtype.F32, w.tensors().get("w").dtype());
		}
		try (WeightFiles w = WeightFiles.open(dir, "fp16")) {
			assertEquals(SafeTensors.Dtype.F16, w.tensors().get("w").dtype());
		}
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir, "bf16"));
		assertTrue(e.getMessage().contains("no 'bf16' variant") && e.getMessage().contains(
			"diffusion_pytorch_model.fp16.safetensors"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> WeightFiles.open(dir, "../x"));
	}

	@Test
	void usesAVariantWhenItIsAllThereIs() throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("text_encoder"));
		new Writer().addFloats("w", new long[] { 1 }, 1).write(dir.resolve("model.fp16.safetensors"));
		try (WeightFiles w = WeightFiles.open(dir)) {
			assertEquals("model.fp16.safetensors", w.files().get(0).path().getFileName().toString());
		}
	}

	@Test
	void usesTheOnlyFileOfAnUnusualName() throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("clip"));
		new Writer().addFloats("w", new long[] { 1 }, 1).write(dir.resolve("open_clip_model.safetensors"));
		try (WeightFiles w = WeightFiles.open(dir)) {
			assertEquals(List.of("w"), List.copyOf(w.tensors().keySet()));
		}
		new Writer().addFloats("v", new long[] { 1 }, 1).write(dir.resolve("other.safetensors"));
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
		assertTrue(e.getMessage().contains("open_clip_model.safetensors, other.safetensors"), e.getMessage());
	}

	/** Two shards and an index, as diffusers writes them; optionally as the fp16 variant. */
	private static Path sharded(Path dir, String variant, String weightMap) throws IOException {
		Files.createDirectories(dir);
		String v = variant == null ? "" : "." + variant;
		new Writer().addFloats("a", new long[] { 2 }, 1, 2).addFloats("b", new long[] { 1 }, 3)
			.write(dir.resolve("diffusion_pytorch_model" + v + "-00001-of-00002.safetensors"));
		new Writer().addFloats("c", new long[] { 1, 1 }, 4).write(dir.resolve("diffusion_pytorch_model" + v +
			"-00002-of-00002.safetensors"));
		String index = variant == null ? "diffusion_pytorch_model.safetensors.index.json" :
			"diffusion_pytorch_model.safetensors.index." + variant + ".json";
		String map = weightMap != null ? weightMap : "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"S2\"}";
		map = map.replace("S1", "diffusion_pytorch_model" + v + "-00001-of-00002.safetensors")
			.replace("S2", "diffusion_pytorch_model" + v + "-00002-of-00002.safetensors");
		return Files.writeString(dir.resolve(index), "{\"metadata\":{\"total_size\":16},\"weight_map\":" + map + "}");
	}

	@Test
	void mergesShardsOfAnIndex() throws Exception {
		Path dir = tmp.resolve("unet");
		sharded(dir, null, null);
		try (WeightFiles w = WeightFiles.open(dir); NDManager m = NDManager.newBaseManager()) {
			assertEquals(List.of("a", "b", "c"), List.copyOf(w.tensors().keySet()));
			assertEquals(2, w.files().size());
			assertTrue(w.fileOf("c").path().toString().endsWith("-00002-of-00002.safetensors"));
			assertTrue(w.fileOf("a").path().toString().endsWith("-00001-of-00002.safetensors"));
			NDArray c = w.load(m, "c", DataType.FLOAT32);
			assertArrayEquals(new float[] { 4 }, c.toFloatArray());
			assertEquals(new ai.djl.ndarray.types.Shape(1, 1), c.getShape());
			assertArrayEquals(new float[] { 1, 2 }, w.load(m, "a", DataType.FLOAT32).toFloatArray());
			assertThrows(IllegalArgumentException.class, () -> w.fileOf("missing"));
		}
		// The index itself can be given too.
		try (WeightFiles w = WeightFiles.open(dir.resolve("diffusion_pytorch_model.safetensors.index.json"))) {
			assertEquals(3, w.tensors().size());
		}
	}

	@Test
	void findsAShardedVariant() throws Exception {
		Path dir = tmp.resolve("unet");
		sharded(dir, "fp16", null);
		new Writer().addFloats("x", new long[] { 1 }, 1).write(dir.resolve("diffusion_pytorch_model.safetensors"));
		try (WeightFiles w = WeightFiles.open(dir, "fp16")) {
			assertEquals(List.of("a", "b", "c"), List.copyOf(w.tensors().keySet()));
		}
		try (WeightFiles w = WeightFiles.open(dir)) {
			assertEquals(List.of("x"), List.copyOf(w.tensors().keySet()));
		}
	}

	@Test
	void refusesAnIndexThatDisagreesWithItsShards() throws Exception {
		String[][] cases = {
			{ "{\"a\":\"S1\",\"b\":\"S2\",\"c\":\"S2\"}", "tensor 'b' in shard", "which does not hold it" },
			{ "{\"a\":\"S1\",\"c\":\"S2\"}", "holds tensor 'b', which its weight_map does not list" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"S2\",\"d\":\"S2\"}", "tensor 'd' in shard" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"gone.safetensors\"}", "shard 'gone.safetensors' is missing" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"../x.safetensors\"}", "not a file name in its folder" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"pytorch_model-00002.bin\"}", "unpickling can run arbitrary code" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":\"S2\",\"a\":\"S1\"}", "lists tensor 'a' twice" },
			{ "{\"a\":\"S1\",\"b\":\"S1\",\"c\":2}", "entry 'c' is not a file name" },
			{ "{}", "lists no tensors" },
			{ "[]", "weight_map is not an object" },
			{ "{\"a\":\"S1\",", "not valid JSON" }, };
		int i = 0;
		for (String[] c : cases) {
			Path dir = tmp.resolve("case" + i++);
			Path index = sharded(dir, null, c[0]);
			var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir), c[0]);
			for (int k = 1; k < c.length; k++) assertTrue(e.getMessage().contains(c[k]), c[0] + ": " + e.getMessage());
			if (!c[1].contains("unpickling")) assertTrue(e.getMessage().startsWith(index + ": not a valid sharded-weights index"),
				e.getMessage());
			assertFalse(e.getMessage().contains("\n"));
		}
		Path dir = tmp.resolve("no-map");
		sharded(dir, null, null);
		Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), "{\"metadata\":{}}");
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
		assertTrue(e.getMessage().contains("has no weight_map"), e.getMessage());
	}

	@Test
	void refusesTheSameTensorInTwoShards() throws Exception {
		Path dir = tmp.resolve("dup");
		sharded(dir, null, null);
		new Writer().addFloats("c", new long[] { 1, 1 }, 4).addFloats("a", new long[] { 2 }, 1, 2)
			.write(dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"));
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
		assertTrue(e.getMessage().contains("tensor 'a' is in both diffusion_pytorch_model-00001-of-00002.safetensors and " +
			"diffusion_pytorch_model-00002-of-00002.safetensors"), e.getMessage());
	}

	@Test
	void aMalformedShardIsReportedByName() throws Exception {
		Path dir = tmp.resolve("bad-shard");
		sharded(dir, null, null);
		Path shard = dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors");
		Files.write(shard, new byte[] { 1, 2, 3 });
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
		assertTrue(e.getMessage().startsWith(shard + ": not a valid safetensors file"), e.getMessage());
	}

	@Test
	void refusesPickledWeights() throws Exception {
		for (String name : new String[] { "diffusion_pytorch_model.bin", "pytorch_model.bin", "model.ckpt", "weights.pt",
			"model.pth" })
		{
			Path dir = Files.createDirectories(tmp.resolve("pickle-" + name));
			Files.write(dir.resolve(name), new byte[] { (byte) 0x80, 2 });
			Files.writeString(dir.resolve("config.json"), "{}");
			var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
			String m = e.getMessage();
			assertTrue(m.startsWith(dir.resolve(name).toString()) && m.contains("unpickling can run arbitrary code") &&
				m.contains("Download the .safetensors"), m);
			// Named directly, too.
			assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir.resolve(name)));
		}
		// Sharded pickles: the message names the first shard.
		Path dir = Files.createDirectories(tmp.resolve("sharded-bin"));
		for (String name : new String[] { "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
			"pytorch_model.bin.index.json" }) Files.writeString(dir.resolve(name), "x");
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(dir));
		assertTrue(e.getMessage().contains("pytorch_model-00001-of-00002.bin") && e.getMessage().contains("unpickling"),
			e.getMessage());
	}

	@Test
	void missingOrEmptyFolders() throws Exception {
		var missing = assertThrows(FileNotFoundException.class, () -> WeightFiles.open(tmp.resolve("nope")));
		assertTrue(missing.getMessage().contains("nope: no such folder"), missing.getMessage());
		Path empty = Files.createDirectories(tmp.resolve("empty"));
		Files.writeString(empty.resolve("config.json"), "{}");
		var e = assertThrows(SafeTensorsException.class, () -> WeightFiles.open(empty));
		assertTrue(e.getMessage().contains("no weights found") && e.getMessage().contains("diffusion_pytorch_model.safetensors"),
			e.getMessage());
	}
}
