package org.diffseg.sd;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;

/**
 * Writes a random-weight Stable Diffusion model in the diffusers folder layout, so speed and memory can be measured
 * at real size without real weights. The tensor names and shapes come from building our own networks on the preset's
 * configs (a shape-recording {@link WeightStore}), so the file always matches what the loader expects. Weights are
 * scaled normals (1/sqrt(fan-in)) so activations stay finite; they mean nothing.
 */
public final class RandomModel {
	public static final List<String> PRESETS = List.of("sd15", "sd21", "tiny");
	private static final String BASE = "/org/diffseg/sd/presets/";

	private RandomModel() {}

	/** @param log receives one line per component written (may be null) */
	public static void write(String preset, long seed, Path out, Consumer<String> log) throws IOException {
		if (!PRESETS.contains(preset)) throw new IllegalArgumentException("unknown preset '" + preset +
			"': choose one of " + PRESETS);
		if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent()))
			throw new IOException(out + " exists and is not empty: give a new folder for the model.");
		Files.createDirectories(out);
		copy("model_index.json", out.resolve("model_index.json"));
		for (String f : new String[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
			copy("tokenizer/" + f, out.resolve("tokenizer").resolve(f));
		if (preset.equals("sd21")) // the SD 2.x repositories pad with "!" (id 0)
			Files.writeString(out.resolve("tokenizer/special_tokens_map.json"), "{\"bos_token\": \"<|startoftext|>\", " +
				"\"eos_token\": \"<|endoftext|>\", \"pad_token\": \"!\", \"unk_token\": \"<|endoftext|>\"}\n");
		copy(preset + "/scheduler.json", out.resolve("scheduler/scheduler_config.json"));
		copy(preset + "/text_encoder.json", out.resolve("text_encoder/config.json"));
		copy(preset + "/vae.json", out.resolve("vae/config.json"));
		copy(preset + "/unet.json", out.resolve("unet/config.json"));
		writeWeights(out, seed, log);
	}

	/**
	 * Writes random weights for the configs already in a model folder (text_encoder/, vae/, unet/ config.json), so a
	 * model of any configuration the loader supports can be made by editing configs.
	 */
	public static void writeWeights(Path out, long seed, Consumer<String> log) throws IOException {
		Path te = out.resolve("text_encoder/config.json");
		Path vae = out.resolve("vae/config.json");
		Path unet = out.resolve("unet/config.json");
		try (NDManager m = NDManager.newBaseManager()) {
			component(m, "text_encoder", out.resolve("text_encoder/model.safetensors"), seed, log, s -> {
				ClipTextModel.Config c = ClipTextModel.Config.from(Json.read(te));
				new ClipTextModel(s.scope("text_model"), c);
				return c.maxPositions();
			});
			component(m, "vae", out.resolve("vae/diffusion_pytorch_model.safetensors"), seed + 1, log, s -> {
				new AutoencoderKL(s.scope(""), AutoencoderKL.Config.from(Json.read(vae)));
				return 0;
			});
			component(m, "unet", out.resolve("unet/diffusion_pytorch_model.safetensors"), seed + 2, log, s -> {
				new UNet2DCondition(s.scope(""), UNet2DCondition.Config.from(Json.read(unet)));
				return 0;
			});
		}
	}

	/** Builds a network on a shape-recording store. */
	public interface Build {
		/** Builds the network on the recording store; returns the CLIP text positions (0 when none). */
		int build(WeightStore store) throws IOException;
	}

	/**
	 * Writes one safetensors file of random weights for the tensors {@code build} asks for (and, when it returns text
	 * positions, the constant {@code text_model.embeddings.position_ids} real CLIP checkpoints store).
	 */
	public static void component(NDManager m, String name, Path file, long seed, Consumer<String> log, Build build)
		throws IOException
	{
		try (WeightStore store = WeightStore.recordingShapes(name, m)) {
			int positions = build.build(store);
			SafeTensorsWriter writer = new SafeTensorsWriter();
			long params = 0;
			for (Map.Entry<String, long[]> e : store.recordedShapes().entrySet()) {
				long[] shape = e.getValue();
				long n = 1;
				for (long d : shape) n *= d;
				params += n;
				writer.add(e.getKey(), SafeTensors.Dtype.F32, shape, randomData(e.getKey(), shape, seed));
			}
			if (positions > 0) { // real CLIP text checkpoints also store the constant position_ids
				long[] ids = new long[positions];
				for (int i = 0; i < positions; i++) ids[i] = i;
				writer.addLongs("text_model.embeddings.position_ids", new long[] { 1, positions }, ids);
			}
			writer.write(file);
			if (log != null) log.accept(String.format("%s: %d tensors, %.1f M parameters -> %s", name,
				store.recordedShapes().size(), params / 1e6, file));
		}
	}

	/** Scaled normals: norm scales near 1, biases near 0, matrices N(0, 1/fan-in). Seeded per tensor name. */
	static SafeTensorsWriter.DataSource randomData(String name, long[] shape, long seed) {
		return out -> {
			SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
			long n = 1, fanIn = 1;
			for (long d : shape) n *= d;
			for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
			boolean norm = name.contains("norm") && name.endsWith(".weight");
			boolean bias = name.endsWith(".bias");
			double scale = norm ? 0.1 : bias ? 0.02 : shape.length == 1 ? 0.02 : 1 / Math.sqrt(fanIn);
			double offset = norm ? 1 : 0;
			ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
			for (long i = 0; i < n; i++) {
				b.putFloat((float) (offset + scale * gaussian(r)));
				if (!b.hasRemaining()) flush(b, out);
			}
			flush(b, out);
		};
	}

	private static void flush(ByteBuffer b, OutputStream out) throws IOException {
		out.write(b.array(), 0, b.position());
		b.clear();
	}

	private static double gaussian(SplittableRandom r) {
		// sum of 4 uniforms, rescaled: cheap, bounded, close enough to normal for random weights
		double s = r.nextDouble() + r.nextDouble() + r.nextDouble() + r.nextDouble() - 2;
		return s * Math.sqrt(3);
	}

	private static Path copy(String resource, Path target) throws IOException {
		Files.createDirectories(target.getParent());
		try (InputStream in = RandomModel.class.getResourceAsStream(BASE + resource)) {
			if (in == null) throw new IOException("missing built-in resource " + resource);
			Files.write(target, in.readAllBytes());
		}
		return target;
	}

	static String readResource(String resource) throws IOException {
		try (InputStream in = RandomModel.class.getResourceAsStream(BASE + resource)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}
}
