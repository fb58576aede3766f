package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.diffseg.cli.DiffSegCli;
import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken configs end the load before anything is allocated, with one message naming the file, the key,
 * the value and what is expected. Each case edits one file of a copy of a fixture (the weights are linked, not
 * copied). The cases that used to allocate config-sized networks (layers_per_block 100000, an empty config that
 * built a default SD 1.5 UNet) run with the default test heap: they pass only because nothing is allocated.
 */
class ConfigValidationTest {

	/** A copy of a model folder: configs and tokenizer files copied (so they can be edited), weights linked. */
	static Path copyModel(Path from, Path to) throws IOException {
		try (Stream<Path> files = Files.walk(from)) {
			for (Path f : (Iterable<Path>) files::iterator) {
				Path rel = from.relativize(f);
				if (rel.startsWith("reference")) continue;
				Path target = to.resolve(rel.toString());
				if (Files.isDirectory(f)) Files.createDirectories(target);
				else if (f.toString().endsWith(".safetensors"))
					Files.createSymbolicLink(target, f.toAbsolutePath());
				else Files.copy(f, target);
			}
		}
		return to;
	}

	static void edit(Path file, String key, String jsonValue) throws IOException {
		JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
		if (jsonValue == null) o.remove(key);
		else {
			JsonElement v = JsonParser.parseString(jsonValue);
			String[] path = key.split("\\.");
			JsonObject at = o;
			for (int i = 0; i < path.length - 1; i++) at = at.getAsJsonObject(path[i]);
			at.add(path[path.length - 1], v);
		}
		Files.writeString(file, o.toString());
	}

	/**
	 * The load fails with an IOException (not a NumberFormatException, ClassCastException or Gson error) whose
	 * message names the file, the key and the value; it is a ConfigException carrying them.
	 */
	static void assertNames(Throwable e, Path file, String key, String value) {
		String m = e.getMessage();
		assertTrue(m.contains(file.toString()), "no file in: " + m);
		assertTrue(m.contains(key), "no key in: " + m);
		assertTrue(m.contains(value), "no value in: " + m);
		assertTrue(m.contains("expected"), "no expectation in: " + m);
		ConfigException c = assertInstanceOf(ConfigException.class, e, m);
		assertEquals(file, c.file());
		assertEquals(key, c.key());
	}

	/** What loading an edited copy of the tiny model threw, and the file that was edited. */
	record Failure(IOException e, Path file) {}

	/**
	 * Copies the tiny model to {@code copy}, sets {@code key} of {@code file} to {@code jsonValue} (as {@link #edit}),
	 * and asserts that loading the copy fails with an IOException.
	 */
	static Failure loadEdited(Path copy, String file, String key, String jsonValue) throws IOException {
		Path model = copyModel(Reference.TINY_SD, copy);
		edit(model.resolve(file), key, jsonValue);
		return new Failure(assertThrows(IOException.class, () -> StableDiffusion.load(model)), model.resolve(file));
	}

	static Stream<Arguments> hostileSdConfigs() {
		return Stream.of(
			// file, key, new value (JSON text; null removes the key), value the message must quote
			Arguments.of("unet/config.json", "layers_per_block", "100000", "100000"),
			Arguments.of("unet/config.json", "norm_num_groups", "0", "0"),
			Arguments.of("unet/config.json", "norm_num_groups", "\"thirty-two\"", "thirty-two"),
			Arguments.of("unet/config.json", "layers_per_block", "2.5", "2.5"),
			Arguments.of("unet/config.json", "layers_per_block", "[2, 2]", "[2,2]"),
			Arguments.of("unet/config.json", "layers_per_block", "null", "null"),
			Arguments.of("unet/config.json", "layers_per_block", "true", "true"),
			Arguments.of("unet/config.json", "layers_per_block", "1e400", "1e400"),
			Arguments.of("unet/config.json", "block_out_channels", "[32, 64, 64]", "[32,64,64]"),
			Arguments.of("unet/config.json", "block_out_channels", "[32, -64, 64, 64]", "-64"),
			Arguments.of("unet/config.json", "block_out_channels", "[32, 64, 64, 2147483648]", "2147483648"),
			Arguments.of("unet/config.json", "in_channels", "-4", "-4"),
			Arguments.of("unet/config.json", "sample_size", "1000000000", "1000000000"),
			Arguments.of("unet/config.json", "attention_head_dim", "33", "33"),
			Arguments.of("unet/config.json", "attention_head_dim", "[8, 8]", "[8,8]"),
			Arguments.of("unet/config.json", "cross_attention_dim", "[32]", "[32]"),
			Arguments.of("unet/config.json", "cross_attention_dim", null, "missing"),
			Arguments.of("unet/config.json", "up_block_types", "[\"UpBlock2D\"]", "UpBlock2D"),
			Arguments.of("unet/config.json", "down_block_types", "[\"DownBlock3D\"]", "DownBlock3D"),
			Arguments.of("unet/config.json", "use_linear_projection", "\"yes\"", "yes"),
			Arguments.of("vae/config.json", "latent_channels", "0", "0"),
			Arguments.of("vae/config.json", "layers_per_block", "100000", "100000"),
			Arguments.of("vae/config.json", "norm_num_groups", "5", "5"),
			Arguments.of("vae/config.json", "block_out_channels", null, "missing"),
			Arguments.of("text_encoder/config.json", "num_hidden_layers", "100000", "100000"),
			Arguments.of("text_encoder/config.json", "vocab_size", "2147483647", "2147483647"),
			Arguments.of("text_encoder/config.json", "num_attention_heads", "5", "5"),
			Arguments.of("text_encoder/config.json", "max_position_embeddings", "\"77\"", "77"),
			Arguments.of("text_encoder/config.json", "hidden_size", null, "missing"),
			Arguments.of("text_encoder/config.json", "eos_token_id", "-1", "-1"));
	}

	@ParameterizedTest(name = "{0}: {1} = {2}")
	@MethodSource("hostileSdConfigs")
	void aBadValueEndsTheLoadNamingFileKeyAndValue(String file, String key, String value, String quoted,
		@TempDir Path dir) throws Exception
	{
		Failure f = loadEdited(dir.resolve("model"), file, key, value);
		assertNames(f.e(), f.file(), key, quoted);
	}

	/** An empty config used to build the default model (a 3.4 GB SD 1.5 UNet of zeros): now a missing key. */
	@ParameterizedTest
	@org.junit.jupiter.params.provider.ValueSource(strings = { "unet/config.json", "vae/config.json",
		"text_encoder/config.json" })
	void anEmptyConfigIsRefused(String file, @TempDir Path dir) throws Exception {
		Path model = copyModel(Reference.TINY_SD, dir.resolve("model"));
		Files.writeString(model.resolve(file), "{}");
		IOException e = assertThrows(IOException.class, () -> StableDiffusion.load(model));
		assertTrue(e.getMessage().contains(model.resolve(file).toString()), e.getMessage());
		assertTrue(e.getMessage().contains("is missing"), e.getMessage());
		ConfigException c = assertInstanceOf(ConfigException.class, e, e.getMessage());
		assertEquals(null, c.value());
	}

	@Test
	void channelsNotDivisibleByTheGroupsNameBoth(@TempDir Path dir) throws Exception {
		Failure f = loadEdited(dir.resolve("model"), "unet/config.json", "block_out_channels", "[32, 64, 48, 64]");
		assertNames(f.e(), f.file(), "norm_num_groups", "32");
		assertTrue(f.e().getMessage().contains("48"), f.e().getMessage());
	}

	@Test
	void componentsOfDifferentModelsAreRefusedBeforeLoadingWeights(@TempDir Path dir) throws Exception {
		Failure f = loadEdited(dir.resolve("model"), "unet/config.json", "cross_attention_dim", "48");
		assertNames(f.e(), f.file(), "cross_attention_dim", "48");
		assertTrue(f.e().getMessage().contains("hidden_size 32"), f.e().getMessage());

		f = loadEdited(dir.resolve("other"), "text_encoder/config.json", "vocab_size", "1000");
		assertNames(f.e(), f.file(), "vocab_size", "1000");
		assertTrue(f.e().getMessage().contains("vocab.json"), f.e().getMessage());
	}

	@Test
	void optionalKeysKeepTheDiffusersDefaults(@TempDir Path dir) throws Exception {
		// tiny-sd-a's config has no use_linear_projection, upcast_attention, only_cross_attention: defaults false
		UNet2DCondition.Config c = UNet2DCondition.Config.from(
			org.diffseg.sd.nn.Json.read(Reference.TINY_SD.resolve("unet/config.json")));
		assertFalse(c.linearProjection());
		assertFalse(c.upcast());
		assertEquals(32, c.groups());
		// an integral number written as a float is still an integer; null means "not set", as in diffusers
		Path model = copyModel(Reference.TINY_SD, dir.resolve("model"));
		edit(model.resolve("unet/config.json"), "layers_per_block", "2.0");
		edit(model.resolve("unet/config.json"), "use_linear_projection", "null");
		UNet2DCondition.Config d = UNet2DCondition.Config.from(
			org.diffseg.sd.nn.Json.read(model.resolve("unet/config.json")));
		assertEquals(2, d.layersPerBlock()[0]);
		assertFalse(d.linearProjection());
	}

	static Stream<Arguments> garbageTokenizerFiles() {
		return Stream.of(
			Arguments.of("vocab.json", "this is not JSON"),
			Arguments.of("vocab.json", "<!DOCTYPE html><html><body>404</body></html>"),
			Arguments.of("vocab.json", "[\"a\", \"b\"]"),
			Arguments.of("vocab.json", "{\"a</w>\": \"1\"}"),
			Arguments.of("vocab.json", "{\"a</w>\": 1.5}"),
			Arguments.of("vocab.json", "{\"a</w>\": 5000000000}"),
			Arguments.of("vocab.json", "{\"a</w>\": 5000000}"),
			Arguments.of("vocab.json", "{\"a</w>\": 1"),
			Arguments.of("vocab.json", "{\"a</w>\": {\"b\": 1}}"),
			Arguments.of("merges.txt", "#version: 0.2\n<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n"),
			Arguments.of("tokenizer_config.json", "{\"model_max_length\": \"seventy-seven\"}"),
			Arguments.of("tokenizer_config.json", "{\"model_max_length\": 100000}"),
			Arguments.of("tokenizer_config.json", "not json at all"));
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("garbageTokenizerFiles")
	void garbageTokenizerFilesGiveOneMessageNamingTheFile(String file, String content, @TempDir Path dir)
		throws Exception
	{
		Path model = copyModel(Reference.TINY_SD, dir.resolve("model"));
		Path path = model.resolve("tokenizer").resolve(file);
		Files.writeString(path, content);
		IOException e = assertThrows(IOException.class, () -> StableDiffusion.load(model));
		String m = e.getMessage();
		assertTrue(m.contains(path.toString()), m);
		for (String parserWords : new String[] { "Strictness", "JsonReader", "Exception", "path $", "setLenient" })
			assertFalse(m.contains(parserWords), "a parser's message: " + m);
		assertTrue(m.contains("download") || m.contains("Download") || m.contains("expected"), "no fix: " + m);
	}

	@Test
	void theSchedulerTableIsBounded(@TempDir Path dir) throws Exception {
		Failure f = loadEdited(dir.resolve("model"), "scheduler/scheduler_config.json", "num_train_timesteps",
			"2000000000");
		String m = f.e().getMessage();
		assertTrue(m.contains(f.file().toString()), m);
		assertTrue(m.contains("num_train_timesteps"), m);
		assertTrue(m.contains("2000000000"), m);
	}

	/** What a user of the command line sees: one line naming file, key and value, exit status 1. */
	@Test
	void checkModelReportsTheBadValueInOneLine(@TempDir Path dir) throws Exception {
		Path model = copyModel(Reference.TINY_SD, dir.resolve("model"));
		edit(model.resolve("unet/config.json"), "layers_per_block", "100000");
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "check-model", "--model", model.toString(), "--reference",
			Reference.REF.toString() }, new PrintWriter(out), new PrintWriter(err));
		assertEquals(DiffSegCli.EXIT_FAILURE, code, out + "\n" + err);
		String line = err.toString().strip();
		assertEquals(1, line.lines().count(), line);
		assertTrue(line.contains(model.resolve("unet/config.json").toString()), line);
		assertTrue(line.contains("layers_per_block = 100000"), line);
		assertTrue(line.contains("expected an integer from 1 to 16"), line);
	}

	static Stream<Arguments> hostileVitConfigs() {
		return Stream.of(
			// model folder, file, key, new value (JSON text), key and value the message must name
			Arguments.of("tiny-dino", "config.json", "hidden_size", "\"thirty-two\"", "hidden_size", "thirty-two"),
			Arguments.of("tiny-dino", "config.json", "patch_size", "0", "patch_size", "0"),
			Arguments.of("tiny-clip", "config.json", "text_config_dict.num_hidden_layers", "100000",
				"text_config.num_hidden_layers", "100000"),
			Arguments.of("tiny-clip", "preprocessor_config.json", "crop_size", "-32", "crop_size", "-32"));
	}

	@ParameterizedTest(name = "{0}/{1}: {2} = {3}")
	@MethodSource("hostileVitConfigs")
	void vitConfigsAreCheckedTheSameWay(String folder, String file, String key, String value, String namedKey,
		String quoted, @TempDir Path dir) throws Exception
	{
		Path model = copyModel(TINY_VIT.resolve(folder), dir.resolve("model"));
		edit(model.resolve(file), key, value);
		IOException e = assertThrows(IOException.class, () -> loadVit(folder, model));
		assertNames(e, model.resolve(file), namedKey, quoted);
	}

	@Test
	void aVitConfigWithoutItsKeysIsRefused(@TempDir Path dir) throws Exception {
		Path empty = copyModel(TINY_VIT.resolve("tiny-dino"), dir.resolve("empty"));
		Files.writeString(empty.resolve("config.json"), "{\"model_type\": \"vit\"}");
		IOException e = assertThrows(IOException.class, () -> loadVit("tiny-dino", empty));
		assertTrue(e.getMessage().contains("is missing"), e.getMessage());
	}

	static final Path TINY_VIT = Path.of("models/tiny-vit");

	/** Loads a (copy of a) tiny-vit folder as its kind: CLIP for tiny-clip, a ViT for tiny-dino. */
	static void loadVit(String folder, Path copy) throws IOException {
		if (folder.equals("tiny-clip"))
			org.diffseg.vit.ClipModel.load(copy, ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32).close();
		else org.diffseg.vit.ViTModel.load(copy, ai.djl.Device.cpu(), ai.djl.ndarray.types.DataType.FLOAT32).close();
	}

	/**
	 * A config within its bounds can still describe a network far larger than its weights (say vocab_size 1000000
	 * with the weights of a 49408-token model). The tensors the weights lack are zero-stride stand-ins until
	 * {@link WeightStore#finish()} reports them: a 1 TiB request allocates nothing (a real allocation of that
	 * size fails at once on any machine).
	 */
	@Test
	void weightsTheFileLacksAreNeverAllocated() throws Exception {
		WeightStore.TensorSource none = new WeightStore.TensorSource() {
			@Override
			public java.util.Map<String, long[]> shapes() {
				return java.util.Map.of("small", new long[] { 3 });
			}

			@Override
			public ai.djl.ndarray.NDArray load(ai.djl.ndarray.NDManager m, String name,
				ai.djl.ndarray.types.DataType type)
			{
				throw new AssertionError("nothing is read");
			}
		};
		try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
			WeightStore store = new WeightStore("huge", none, m, ai.djl.Device.cpu(),
				ai.djl.ndarray.types.DataType.FLOAT32))
		{
			long rows = 1 << 20, cols = 1 << 18; // 2^38 floats: 1 TiB
			ai.djl.ndarray.NDArray missing = store.get("embedding.weight", rows, cols);
			assertEquals(new ai.djl.ndarray.types.Shape(rows, cols), missing.getShape());
			ai.djl.ndarray.NDArray misshaped = store.get("small", rows, cols);
			assertEquals(new ai.djl.ndarray.types.Shape(1, rows * cols), misshaped.reshape(1, rows * cols).getShape());
			WeightStore.ModelLoadException e = assertThrows(WeightStore.ModelLoadException.class, store::finish);
			assertEquals(1, e.missing.size(), e.getMessage());
			assertEquals(1, e.misshaped.size(), e.getMessage());
		}
	}

	/** OVDiff's category filter: a CLIP tokenizer whose ids do not fit the text tower is refused up front. */
	@Test
	void aClipTokenizerLargerThanTheTextTowerIsRefused(@TempDir Path dir) throws Exception {
		Path clipFolder = Path.of("models/tiny-vit/tiny-clip");
		Path tok = copyModel(clipFolder, dir.resolve("tok"));
		edit(tok.resolve("vocab.json"), "zebra</w>", "60000"); // the text tower has 49408 rows
		try (org.diffseg.vit.ClipModel clip = org.diffseg.vit.ClipModel.load(clipFolder, ai.djl.Device.cpu(),
			ai.djl.ndarray.types.DataType.FLOAT32))
		{
			ClipTokenizer tokenizer = ClipTokenizer.load(tok);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> new org.diffseg.ovdiff.CategoryFilter(clip, tokenizer));
			assertTrue(e.getMessage().contains("60000") && e.getMessage().contains("vocab_size 49408"),
				e.getMessage());
		}
	}
}
