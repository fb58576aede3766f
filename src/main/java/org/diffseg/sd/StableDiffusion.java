package org.diffseg.sd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;
import org.diffseg.sd.scheduler.NoiseSchedule;
import org.diffseg.sd.scheduler.SchedulerConfig;

/**
 * A Stable Diffusion model loaded from a diffusers folder ({@code model_index.json}, {@code unet/}, {@code vae/},
 * {@code text_encoder/}, {@code tokenizer/}, {@code scheduler/}, safetensors weights). The configs drive the
 * architecture; weights are matched by their diffusers/transformers names. All weights live in one manager, freed by
 * {@link #close()}.
 */
public final class StableDiffusion implements AutoCloseable {

	public final Path folder;
	public final Device device;
	public final DataType dtype;
	public final ClipTokenizer tokenizer;
	public final ClipTextModel textEncoder;
	public final AutoencoderKL vae;
	public final UNet2DCondition unet;
	public final SchedulerConfig schedulerConfig;
	public final NoiseSchedule noiseSchedule;
	private final NDManager manager;
	private final String identity;
	private final long weightBytes;

	private StableDiffusion(Path folder, Device device, DataType dtype, NDManager manager, ClipTokenizer tokenizer,
		ClipTextModel textEncoder, AutoencoderKL vae, UNet2DCondition unet, SchedulerConfig schedulerConfig,
		String identity, long weightBytes)
	{
		this.folder = folder;
		this.device = device;
		this.dtype = dtype;
		this.manager = manager;
		this.tokenizer = tokenizer;
		this.textEncoder = textEncoder;
		this.vae = vae;
		this.unet = unet;
		this.schedulerConfig = schedulerConfig;
		this.noiseSchedule = new NoiseSchedule(schedulerConfig);
		this.identity = identity;
		this.weightBytes = weightBytes;
	}

	/** Loads in float32 on the CPU. */
	public static StableDiffusion load(Path folder) throws IOException {
		return load(folder, Device.cpu(), DataType.FLOAT32);
	}

	/**
	 * @param dtype FLOAT32 (default), FLOAT16, or BFLOAT16 on a GPU only (bfloat16 aborts DJL's CPU engine)
	 */
	public static StableDiffusion load(Path folder, Device device, DataType dtype) throws IOException {
		if (!Files.isDirectory(folder)) throw new IOException(folder + " is not a folder. Give the folder of a " +
			"Stable Diffusion model in diffusers layout (it holds model_index.json, unet/, vae/, text_encoder/, " +
			"tokenizer/, scheduler/).");
		for (String part : new String[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" })
			if (!Files.isDirectory(folder.resolve(part))) throw new IOException(folder + " lacks the '" + part +
				"' folder: this is not a complete diffusers Stable Diffusion model. Download the whole folder " +
				"(e.g. stable-diffusion-v1-5 from Hugging Face, safetensors files).");
		if (dtype == DataType.BFLOAT16 && !device.isGpu()) throw new IOException("bfloat16 is only supported on a " +
			"GPU: use float32 (or float16) on the CPU.");
		if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16)
			throw new IOException("unsupported weight type " + dtype + ": use float32, float16 or bfloat16.");
		// Every config is read and checked before anything is allocated: a bad value ends the load here, at once.
		// The component configs go first: they are cheap to check, the tokenizer's 49k-entry files are not.
		MessageDigest digest = sha256();
		Json teJson = readConfig(folder.resolve("text_encoder/config.json"), digest);
		Json vaeJson = readConfig(folder.resolve("vae/config.json"), digest);
		Json unetJson = readConfig(folder.resolve("unet/config.json"), digest);
		ClipTextModel.Config teConfig = ClipTextModel.Config.from(teJson);
		AutoencoderKL.Config vaeConfig = AutoencoderKL.Config.from(vaeJson);
		UNet2DCondition.Config unetConfig = UNet2DCondition.Config.from(unetJson);
		Path schedulerJson = folder.resolve("scheduler/scheduler_config.json");
		readConfig(schedulerJson, digest);
		// as diffusers' StableDiffusionPipeline adjusts legacy scheduler configs (steps_offset 1, clip_sample off)
		SchedulerConfig schedulerConfig = SchedulerConfig.load(schedulerJson).asInStableDiffusionPipeline();
		ClipTokenizer tokenizer = ClipTokenizer.load(folder.resolve("tokenizer"));
		checkConsistent(folder, tokenizer, teJson, teConfig, vaeJson, vaeConfig, unetJson, unetConfig);
		NDManager manager = NDManager.newBaseManager(device);
		manager.setName("stable-diffusion " + folder.getFileName());
		try {
			List<Throwable> problems = new ArrayList<>();
			long[] bytes = { 0 };
			ClipTextModel te = component(folder, "text_encoder", manager, device, dtype, digest, problems, bytes,
				s -> new ClipTextModel(s.scope("text_model"), teConfig));
			AutoencoderKL vae = component(folder, "vae", manager, device, dtype, digest, problems, bytes,
				s -> new AutoencoderKL(s.scope(""), vaeConfig));
			UNet2DCondition unet = component(folder, "unet", manager, device, dtype, digest, problems, bytes,
				s -> new UNet2DCondition(s.scope(""), unetConfig));
			if (!problems.isEmpty()) {
				StringBuilder b = new StringBuilder();
				for (Throwable t : problems) b.append(b.length() == 0 ? "" : " | ").append(t.getMessage());
				throw new IOException(b.toString(), problems.get(0));
			}
			return new StableDiffusion(folder, device, dtype, manager, tokenizer, te, vae, unet, schedulerConfig,
				HexFormat.of().formatHex(digest.digest()), bytes[0]);
		}
		catch (IOException | RuntimeException | Error e) {
			manager.close();
			throw e;
		}
	}

	/**
	 * Cross-file checks of the configs, cheap and before any allocation: the parts must come from one model (the
	 * text encoder feeds the UNet's cross-attention, the UNet predicts in the VAE's latent space, the tokenizer's ids
	 * and lengths fit the text encoder's tables).
	 */
	private static void checkConsistent(Path folder, ClipTokenizer tokenizer, Json teJson, ClipTextModel.Config te,
		Json vaeJson, AutoencoderKL.Config vae, Json unetJson, UNet2DCondition.Config unet) throws ConfigException
	{
		String mixed = "The components come from different models: download the complete model folder again.";
		if (te.hidden() != unet.crossDim()) throw unetJson.invalid("cross_attention_dim", "the text encoder's " +
			"hidden_size " + te.hidden() + " (" + teJson.file() + ")", mixed);
		if (unet.outChannels() != vae.latentChannels()) throw unetJson.invalid("out_channels", "the VAE's " +
			"latent_channels " + vae.latentChannels() + " (" + vaeJson.file() + ")", mixed);
		if (tokenizer.vocabularyEnd() > te.vocab()) throw teJson.invalid("vocab_size", "at least " +
			tokenizer.vocabularyEnd() + ", the largest token id of " + folder.resolve("tokenizer/vocab.json") +
			" plus one", mixed);
		if (tokenizer.maxLength() > te.maxPositions()) throw teJson.invalid("max_position_embeddings", "at least " +
			"the tokenizer's model_max_length " + tokenizer.maxLength(), mixed);
	}

	private interface Builder<T> {
		T build(WeightStore store) throws IOException;
	}

	private static <T> T component(Path folder, String name, NDManager manager, Device device, DataType dtype,
		MessageDigest digest, List<Throwable> problems, long[] bytes, Builder<T> builder) throws IOException
	{
		try (WeightFiles files = WeightFiles.open(folder.resolve(name))) {
			for (SafeTensors.TensorInfo t : files.tensors().values())
				digest.update((t.name() + t.dtype() + java.util.Arrays.toString(t.shape()) + ";")
					.getBytes(StandardCharsets.UTF_8));
			WeightStore store = new WeightStore(name, WeightSources.of(files), manager, device, dtype);
			try {
				T model = builder.build(store);
				store.finish();
				bytes[0] += store.loadedBytes();
				return model;
			}
			catch (WeightStore.ModelLoadException e) {
				problems.add(e);
				return null;
			}
			catch (IllegalArgumentException e) {
				throw new IOException(e.getMessage(), e);
			}
		}
	}

	private static Json readConfig(Path file, MessageDigest digest) throws IOException {
		Json json = Json.read(file);
		digest.update(Files.readAllBytes(file));
		return json;
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** SHA-256 over the configs and the weight headers (names, dtypes, shapes): which model this is. */
	public String identity() {
		return identity;
	}

	/** Bytes of all loaded weights, as held in memory. */
	public long weightBytes() {
		return weightBytes;
	}

	/** Pixels per latent cell: 2^(number of VAE down blocks - 1), 8 for every SD model. */
	public int latentScale() {
		return 1 << (vae.config.blockOut().length - 1);
	}

	/** The image size the UNet was trained at (512 for SD 1.x; 64 for the tiny fixture model). */
	public int defaultImageSize() {
		return unet.config.sampleSize() * latentScale();
	}

	/** Token ids [B, 77] of prompts, in the given manager. */
	public NDArray tokenize(NDManager m, List<String> prompts) {
		int len = tokenizer.maxLength();
		long[] ids = new long[prompts.size() * len];
		for (int i = 0; i < prompts.size(); i++)
			System.arraycopy(tokenizer.encode(prompts.get(i)).ids(), 0, ids, i * len, len);
		return m.create(ids, new Shape(prompts.size(), len));
	}

	/** Text-encoder states [B, 77, D] (last_hidden_state, the UNet's context) in the model's dtype. */
	public NDArray encodeText(NDManager m, List<String> prompts) {
		try (NDManager scope = m.newSubManager(device)) {
			NDArray ids = tokenize(scope, prompts);
			NDArray out = textEncoder.forward(ids, false).lastHiddenState();
			out.attach(m);
			return out;
		}
	}

	@Override
	public void close() {
		manager.close();
		NativeMemory.release(); // the weights' memory back to the system, now that they are gone
	}
}
