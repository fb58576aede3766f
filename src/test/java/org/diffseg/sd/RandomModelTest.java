package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random-weight models load, and the configuration-dependent behaviour of SD 2.x configs works end to end. */
class RandomModelTest {

	@Test
	void tinyPresetLoadsAndSamples(@TempDir Path dir) throws Exception {
		Path model = dir.resolve("tiny");
		RandomModel.write("tiny", 3, model, null);
		try (StableDiffusion sd = StableDiffusion.load(model); NDManager m = NDManager.newBaseManager()) {
			TextToImage t2i = new TextToImage(sd);
			NDArray images = t2i.generate(m, "a cat", "", 1, 1, new TextToImage.Settings(3, 7.5f, "dpm++", 64, 64), null,
				org.diffseg.run.ProgressListener.NONE, org.diffseg.run.CancelToken.none());
			assertArrayEquals(new long[] { 1, 3, 64, 64 }, images.getShape().getShape());
			for (float v : images.toFloatArray()) assertTrue(v >= 0 && v <= 1);
		}
		assertThrows(java.io.IOException.class, () -> RandomModel.write("tiny", 3, model, null), "refuses a non-empty folder");
	}

	/** SD 2.x options: list head counts, linear projections, upcast attention, gelu text encoder, pad token "!". */
	@Test
	void sd2StyleConfigurationRuns(@TempDir Path dir) throws Exception {
		Path model = dir.resolve("sd2ish");
		RandomModel.write("tiny", 5, model, null);
		JsonObject unet = JsonParser.parseString(Files.readString(model.resolve("unet/config.json"))).getAsJsonObject();
		JsonArray heads = new JsonArray();
		for (int h : new int[] { 2, 4, 4, 8 }) heads.add(h);
		unet.add("attention_head_dim", heads);
		unet.addProperty("use_linear_projection", true);
		unet.addProperty("upcast_attention", true);
		Files.writeString(model.resolve("unet/config.json"), unet.toString());
		JsonObject te = JsonParser.parseString(Files.readString(model.resolve("text_encoder/config.json"))).getAsJsonObject();
		te.addProperty("hidden_act", "gelu");
		Files.writeString(model.resolve("text_encoder/config.json"), te.toString());
		Files.writeString(model.resolve("tokenizer/special_tokens_map.json"), "{\"bos_token\": \"<|startoftext|>\", " +
			"\"eos_token\": \"<|endoftext|>\", \"pad_token\": \"!\", \"unk_token\": \"<|endoftext|>\"}");
		RandomModel.writeWeights(model, 5, null);
		try (StableDiffusion sd = StableDiffusion.load(model); NDManager m = NDManager.newBaseManager()) {
			assertEquals(0, sd.tokenizer.padId(), "SD 2.x pads with '!' = id 0");
			assertEquals(2, sd.unet.config.heads()[0]);
			assertTrue(sd.unet.config.linearProjection());
			// proj_in is a Linear ([inner, C]) in this configuration
			try (SafeTensors w = SafeTensors.open(model.resolve("unet/diffusion_pytorch_model.safetensors"))) {
				assertEquals(2, w.info("down_blocks.0.attentions.0.proj_in.weight").shape().length);
			}
			AttentionRecorder rec = AttentionRecorder.all(m);
			NDArray ctx = sd.encodeText(m, List.of("", "a dog"));
			// a latent size that is not a multiple of 8: upsamplers follow the skip sizes
			NDArray x = TextToImage.initialLatents(m, 1, 2, 4, 7, 5);
			NDArray out = sd.unet.forward(x, m.create(321f), ctx, rec, null);
			assertArrayEquals(new long[] { 2, 4, 7, 5 }, out.getShape().getShape());
			for (float v : out.toFloatArray()) assertTrue(Float.isFinite(v));
			// head counts per block reach the recorded probabilities: batch 2 x heads rows
			assertEquals(2 * 2, rec.probs.get("down_blocks.0.attentions.0.transformer_blocks.0.attn2").getShape().get(0));
			assertEquals(2 * 8, rec.probs.get("mid_block.attentions.0.transformer_blocks.0.attn2").getShape().get(0));
			rec.close();
		}
	}

	@Test
	void mismatchedWeightsGiveOneErrorListingThemAll(@TempDir Path dir) throws Exception {
		Path model = dir.resolve("broken");
		RandomModel.write("tiny", 7, model, null);
		JsonObject unet = JsonParser.parseString(Files.readString(model.resolve("unet/config.json"))).getAsJsonObject();
		unet.addProperty("cross_attention_dim", 48); // every attn2 to_k/to_v now mis-shaped
		Files.writeString(model.resolve("unet/config.json"), unet.toString());
		// the text encoder's width must follow (else the config check stops the load before any weight is read)
		JsonObject te = JsonParser.parseString(Files.readString(model.resolve("text_encoder/config.json")))
			.getAsJsonObject();
		te.addProperty("hidden_size", 48);
		Files.writeString(model.resolve("text_encoder/config.json"), te.toString());
		java.io.IOException e = assertThrows(java.io.IOException.class, () -> StableDiffusion.load(model));
		assertTrue(e.getMessage().contains("mis-shaped"), e.getMessage());
		assertTrue(e.getMessage().contains("attn2.to_k.weight"), e.getMessage());
	}

	@Test
	void pickledWeightsAreRefused(@TempDir Path dir) throws Exception {
		Path model = dir.resolve("pickled");
		RandomModel.write("tiny", 7, model, null);
		Files.delete(model.resolve("vae/diffusion_pytorch_model.safetensors"));
		Files.write(model.resolve("vae/diffusion_pytorch_model.bin"), new byte[] { (byte) 0x80, 2 });
		java.io.IOException e = assertThrows(java.io.IOException.class, () -> StableDiffusion.load(model));
		assertTrue(e.getMessage().contains("pickle") || e.getMessage().contains("unpickl"), e.getMessage());
	}
}
