package org.diffseg.vit;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.diffseg.sd.RandomModel;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;

/**
 * Writes a random-weight CLIP ViT-B/16 or DINO ViT-B/8 folder in the Hugging Face layout, so the feature extractors'
 * speed and memory can be measured at real size without real weights. The configs have the real models' sizes
 * (layers, widths, heads, patch size, vocabulary); the tensor names and shapes come from building our own networks
 * on them, as {@link RandomModel} does for Stable Diffusion. The weights mean nothing.
 */
public final class RandomVitModel {
	public static final List<String> PRESETS = List.of("clip-vit-b16", "dino-vitb8");
	private static final String BASE = "/org/diffseg/vit/presets/", TOKENIZER = "/org/diffseg/sd/presets/tokenizer/";

	private RandomVitModel() {}

	/** @param log receives one line per file of weights written (may be null) */
	public static void write(String preset, long seed, Path out, Consumer<String> log) throws IOException {
		if (!PRESETS.contains(preset)) throw new IllegalArgumentException("unknown preset '" + preset + "': choose " +
			"one of " + PRESETS);
		if (Files.exists(out)) {
			if (!Files.isDirectory(out)) throw new IOException(out + " exists and is not a folder: give a new folder.");
			try (Stream<Path> entries = Files.list(out)) {
				if (entries.findAny().isPresent()) throw new IOException(out + " is not empty: give a new folder.");
			}
		}
		boolean created = !Files.exists(out);
		Files.createDirectories(out);
		try {
			copy(BASE + preset + "/config.json", out.resolve("config.json"));
			copy(BASE + preset + "/preprocessor_config.json", out.resolve("preprocessor_config.json"));
			if (preset.startsWith("clip")) for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json",
				"special_tokens_map.json")) copy(TOKENIZER + f, out.resolve(f));
			writeWeights(out, seed, log);
		}
		catch (IOException | RuntimeException e) {
			// no half-written model folder: it was empty before
			try (Stream<Path> written = Files.list(out)) {
				for (Path f : written.toList()) Files.deleteIfExists(f);
			}
			if (created) Files.deleteIfExists(out);
			throw e;
		}
	}

	/**
	 * Writes {@code model.safetensors} of random weights for the config.json (and, for CLIP, preprocessor_config.json)
	 * already in a folder, so a model of any size the loaders support can be made by editing the config.
	 */
	public static void writeWeights(Path folder, long seed, Consumer<String> log) throws IOException {
		Json config = Json.read(folder.resolve("config.json"));
		String type = config.getString("model_type", "");
		if (!type.equals("clip") && !type.equals("vit")) throw new IOException(folder.resolve("config.json") +
			" describes a '" + type + "' model: random weights are written for clip and vit models.");
		try (NDManager m = NDManager.newBaseManager()) {
			RandomModel.component(m, folder.getFileName().toString(), folder.resolve("model.safetensors"), seed, log,
				store -> build(store, config, folder.resolve("preprocessor_config.json")));
		}
	}

	/**
	 * Builds the network a config describes on {@code store} (a shape-recording one lists its tensors).
	 * @return CLIP's text positions, 0 for a ViT
	 */
	static int build(WeightStore store, Json config, Path preprocessor) throws IOException {
		if (config.getString("model_type", "").equals("clip")) {
			ClipModel model = new ClipModel(store, config, ImagePreprocessor.read(preprocessor,
				ImagePreprocessor.Kind.CLIP), null);
			return model.text.config.maxPositions();
		}
		new VisionTransformer(store.scope(""), VisionTransformer.Config.vit(config));
		return 0;
	}

	private static void copy(String resource, Path target) throws IOException {
		try (InputStream in = RandomVitModel.class.getResourceAsStream(resource)) {
			if (in == null) throw new IOException("missing built-in resource " + resource);
			Files.write(target, in.readAllBytes());
		}
	}
}
