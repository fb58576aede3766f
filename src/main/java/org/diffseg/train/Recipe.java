package org.diffseg.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * What {@code diffseg train} builds and how it trains it: network sizes (written as diffusers configs) and the
 * optimisation schedule. Presets: {@code shapes} (the shipped model) and {@code smoke}
 * (a tiny one for tests, seconds per stage).
 *
 * @param imageSize training images are imageSize x imageSize; the VAE has 3 levels (latent = imageSize / 4)
 * @param vaeChannels VAE block_out_channels
 * @param unetChannels UNet block_out_channels (4 levels, as SD 1.x: OVDiff's features need them)
 * @param unetHeads UNet heads per level (diffusers' attention_head_dim)
 * @param textWidth text encoder hidden size (= UNet cross_attention_dim)
 * @param pool scenes in the training pool (the same pool for both stages)
 * @param snrWeightCap the UNet's epsilon MSE of a sample is weighted by min(1 / ᾱ_t, cap), the weighting of the
 *   v-prediction loss (capped): with plain epsilon MSE the noisy steps, where the caption matters most, contribute almost
 *   nothing and the text conditioning emerged far too slowly (0 = plain epsilon MSE)
 */
public record Recipe(String name, int imageSize, int[] vaeChannels, int vaeGroups, int[] unetChannels, int unetLayers,
	int[] unetHeads, int unetGroups, int textWidth, int textLayers, int textHeads, int pool, int vaeSteps,
	int vaeBatch, float vaeLr, float klWeight, int unetSteps, int unetBatch, float unetLr, float emptyCaption,
	float weightDecay, float clip, int warmup, int checkpointEvery, float snrWeightCap)
{
	public static final List<String> PRESETS = List.of("shapes", "smoke");

	public static Recipe preset(String name) {
		return switch (name) {
			case "shapes" -> new Recipe("shapes", 64, new int[] { 16, 32, 32 }, 8, new int[] { 32, 32, 64, 64 }, 2,
				new int[] { 2, 2, 4, 4 }, 16, 64, 2, 4, 4096, 300, 16, 2e-3f, 1e-5f, 6000, 16, 1e-3f, 0.1f, 0.01f, 1f,
				100, 100, 10f);
			case "smoke" -> new Recipe("smoke", 32, new int[] { 8, 16, 16 }, 4, new int[] { 16, 16, 16, 16 }, 2,
				new int[] { 2, 2, 2, 2 }, 8, 16, 1, 2, 32, 12, 4, 3e-3f, 1e-5f, 12, 4, 2e-3f, 0.1f, 0f, 1f, 0, 6, 10f);
			default -> throw new IllegalArgumentException("unknown recipe '" + name + "': choose one of " + PRESETS);
		};
	}

	/** This recipe with other step counts (for short runs and tests). */
	public Recipe withSteps(int vae, int unet) {
		return new Recipe(name, imageSize, vaeChannels, vaeGroups, unetChannels, unetLayers, unetHeads, unetGroups,
			textWidth, textLayers, textHeads, pool, vae, vaeBatch, vaeLr, klWeight, unet, unetBatch, unetLr,
			emptyCaption, weightDecay, clip, Math.min(warmup, unet / 4), checkpointEvery, snrWeightCap);
	}

	public Recipe withCheckpointEvery(int k) {
		return new Recipe(name, imageSize, vaeChannels, vaeGroups, unetChannels, unetLayers, unetHeads, unetGroups,
			textWidth, textLayers, textHeads, pool, vaeSteps, vaeBatch, vaeLr, klWeight, unetSteps, unetBatch, unetLr,
			emptyCaption, weightDecay, clip, warmup, k, snrWeightCap);
	}

	/**
	 * The method settings that suit models of this recipe, written to the model folder's diffseg.json (read by
	 * org.diffseg.task.ModelRecommendations), or null. Tuned on scenes of training seeds, never on validation scenes:
	 * the papers' values are for Stable Diffusion 1.5 (a 256 px alpha, a 512 px VAE); at 64 px the same SGD step
	 * leaves the alpha where it started, and the alpha penalty must balance this model's score-distillation gradient.
	 */
	public String recommendedSettings() {
		if (!name.equals("shapes")) return null;
		return """
			{
			  "peekaboo": {
			    "representation": "raster bilateral",
			    "size": 64,
			    "iterations": 150,
			    "learning_rate": 0.1,
			    "gravity": 0.35
			  }
			}
			""";
	}

	public int latentSize() {
		return imageSize / (1 << (vaeChannels.length - 1));
	}

	public String toJson() {
		return GSON.toJson(this);
	}

	public static Recipe fromJson(String json) {
		return GSON.fromJson(json, Recipe.class);
	}

	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

	/**
	 * Writes model_index.json, the scheduler, text encoder, VAE and UNet configs and the tokenizer of this recipe into
	 * {@code folder} (no weights).
	 */
	public void writeConfigs(Path folder, Collection<String> words, float scalingFactor) throws IOException {
		Files.createDirectories(folder);
		try (InputStream in = Recipe.class.getResourceAsStream("/org/diffseg/sd/presets/model_index.json")) {
			Files.writeString(folder.resolve("model_index.json"), new String(in.readAllBytes(),
				java.nio.charset.StandardCharsets.UTF_8).replace("PNDMScheduler", "DDIMScheduler"));
		}
		int vocab = ClipVocabulary.write(folder.resolve("tokenizer"), words);
		JsonObject s = diffusersConfig("DDIMScheduler");
		s.addProperty("beta_end", 0.012);
		s.addProperty("beta_schedule", "scaled_linear");
		s.addProperty("beta_start", 0.00085);
		s.addProperty("clip_sample", false);
		s.addProperty("num_train_timesteps", 1000);
		s.addProperty("prediction_type", "epsilon");
		s.addProperty("set_alpha_to_one", false);
		s.addProperty("skip_prk_steps", true);
		s.addProperty("steps_offset", 1);
		write(folder.resolve("scheduler/scheduler_config.json"), s);

		JsonObject t = new JsonObject();
		JsonArray arch = new JsonArray();
		arch.add("CLIPTextModel");
		t.add("architectures", arch);
		t.addProperty("attention_dropout", 0.0);
		t.addProperty("bos_token_id", vocab - 2);
		t.addProperty("dropout", 0.0);
		t.addProperty("eos_token_id", vocab - 1);
		t.addProperty("hidden_act", "quick_gelu");
		t.addProperty("hidden_size", textWidth);
		t.addProperty("initializer_factor", 1.0);
		t.addProperty("initializer_range", 0.02);
		t.addProperty("intermediate_size", 4 * textWidth);
		t.addProperty("layer_norm_eps", 1e-5);
		t.addProperty("max_position_embeddings", 77);
		t.addProperty("model_type", "clip_text_model");
		t.addProperty("num_attention_heads", textHeads);
		t.addProperty("num_hidden_layers", textLayers);
		t.addProperty("pad_token_id", vocab - 1);
		t.addProperty("projection_dim", textWidth);
		t.addProperty("torch_dtype", "float32");
		t.addProperty("vocab_size", vocab);
		write(folder.resolve("text_encoder/config.json"), t);

		JsonObject v = diffusersConfig("AutoencoderKL");
		v.addProperty("act_fn", "silu");
		v.add("block_out_channels", ints(vaeChannels));
		v.add("down_block_types", repeat("DownEncoderBlock2D", vaeChannels.length));
		v.addProperty("in_channels", 3);
		v.addProperty("latent_channels", 4);
		v.addProperty("layers_per_block", 1);
		v.addProperty("mid_block_add_attention", false);
		v.addProperty("norm_num_groups", vaeGroups);
		v.addProperty("out_channels", 3);
		v.addProperty("sample_size", imageSize);
		v.addProperty("scaling_factor", scalingFactor);
		v.add("up_block_types", repeat("UpDecoderBlock2D", vaeChannels.length));
		write(folder.resolve("vae/config.json"), v);

		JsonObject u = diffusersConfig("UNet2DConditionModel");
		u.addProperty("act_fn", "silu");
		u.add("attention_head_dim", ints(unetHeads));
		u.add("block_out_channels", ints(unetChannels));
		u.addProperty("center_input_sample", false);
		u.addProperty("cross_attention_dim", textWidth);
		JsonArray down = repeat("CrossAttnDownBlock2D", unetChannels.length - 1);
		down.add("DownBlock2D");
		u.add("down_block_types", down);
		u.addProperty("downsample_padding", 1);
		u.addProperty("flip_sin_to_cos", true);
		u.addProperty("freq_shift", 0);
		u.addProperty("in_channels", 4);
		u.addProperty("layers_per_block", unetLayers);
		u.addProperty("mid_block_scale_factor", 1);
		u.addProperty("norm_eps", 1e-5);
		u.addProperty("norm_num_groups", unetGroups);
		u.addProperty("out_channels", 4);
		u.addProperty("sample_size", latentSize());
		JsonArray up = new JsonArray();
		up.add("UpBlock2D");
		for (int i = 1; i < unetChannels.length; i++) up.add("CrossAttnUpBlock2D");
		u.add("up_block_types", up);
		write(folder.resolve("unet/config.json"), u);
	}

	/** Sets vae/config.json's scaling_factor (computed from the trained VAE's latents). */
	static void setScalingFactor(Path folder, float scalingFactor) throws IOException {
		Path f = folder.resolve("vae/config.json");
		JsonObject v = com.google.gson.JsonParser.parseString(Files.readString(f)).getAsJsonObject();
		v.addProperty("scaling_factor", scalingFactor);
		write(f, v);
	}

	/** A diffusers config of {@code className}, with the diffusers version every written config names. */
	private static JsonObject diffusersConfig(String className) {
		JsonObject c = new JsonObject();
		c.addProperty("_class_name", className);
		c.addProperty("_diffusers_version", "0.31.0");
		return c;
	}

	private static JsonArray ints(int[] values) {
		JsonArray a = new JsonArray();
		for (int x : values) a.add(x);
		return a;
	}

	private static JsonArray repeat(String s, int n) {
		JsonArray a = new JsonArray();
		for (int i = 0; i < n; i++) a.add(s);
		return a;
	}

	static void write(Path file, JsonObject json) throws IOException {
		Files.createDirectories(file.getParent());
		Files.writeString(file, GSON.toJson(json) + "\n");
	}
}
