package org.diffseg.sd.differential;

import static org.diffseg.sd.differential.Harness.assertAllRead;
import static org.diffseg.sd.differential.Harness.assertClose;
import static org.diffseg.sd.differential.Harness.assertSameStages;
import static org.diffseg.sd.differential.Harness.between;
import static org.diffseg.sd.differential.Harness.nd;
import static org.diffseg.sd.differential.Harness.production;
import static org.diffseg.sd.differential.Harness.randomImage;
import static org.diffseg.sd.differential.Harness.randomTokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.diffseg.sd.UNet2DCondition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole UNet2DConditionModels of random small configurations, loaded from config.json + safetensors as a real model
 * is, against {@link PlainModules#unet}: 3 or 4 blocks, layers_per_block 1-3 (int or list), attention_head_dim as
 * an int or a list, conv or linear projection, groups of 1-8 channels, any mix of cross-attention and plain blocks,
 * non-square latents of sizes that are not multiples of 2^upsamplers (upsamplers then go to the skip sizes). Every
 * stage is compared (the first one that differs is named), then the output of a forward without taps.
 */
class UNetDifferentialTest {

	/** One random configuration: the config.json it is written as, and what the plain formulation reads. */
	record Case(JsonObject json, PlainModules.UNetSpec spec, String description) {}

	static Case randomCase(SplittableRandom r, int blocks) {
		int groups = between(r, 1, 6);
		int[] channels = new int[blocks], layers = new int[blocks], heads = new int[blocks];
		boolean[] crossDown = new boolean[blocks], crossUp = new boolean[blocks];
		for (int i = 0; i < blocks; i++) channels[i] = groups * between(r, 1, 8);
		boolean layersAsList = r.nextBoolean(), headsAsList = r.nextBoolean();
		int sameLayers = between(r, 1, 3), sameHeads = between(r, 1, Math.min(8, Arrays.stream(channels).min()
			.getAsInt()));
		for (int i = 0; i < blocks; i++) {
			layers[i] = layersAsList ? between(r, 1, 3) : sameLayers;
			heads[i] = headsAsList ? between(r, 1, Math.min(8, channels[i])) : sameHeads;
			crossDown[i] = r.nextInt(4) != 0;
			crossUp[i] = r.nextInt(4) != 0;
		}
		int in = between(r, 1, 4), out = between(r, 1, 4), crossDim = between(r, 1, 16);
		boolean linear = r.nextBoolean(), onlyCross = r.nextInt(5) == 0, flip = r.nextInt(4) != 0;
		// a shift of 1 divides by zero when the embedding has a single frequency (diffusers gives NaN there too)
		int transformerLayers = r.nextInt(4) == 0 ? 2 : 1, freqShift = r.nextInt(3) == 0 && channels[0] >= 4 ? 1 : 0;
		int downsamplePadding = r.nextInt(4) == 0 ? 0 : 1;
		double eps = r.nextBoolean() ? 1e-5 : 1e-6;

		String[] down = new String[blocks], up = new String[blocks];
		for (int i = 0; i < blocks; i++) {
			down[i] = crossDown[i] ? "CrossAttnDownBlock2D" : "DownBlock2D";
			up[i] = crossUp[i] ? "CrossAttnUpBlock2D" : "UpBlock2D";
		}
		JsonObject j = ModelFolder.config("UNet2DConditionModel", channels, down, up, in, out, groups);
		perBlock(j, "attention_head_dim", headsAsList, heads);
		j.addProperty("center_input_sample", false);
		j.addProperty("cross_attention_dim", crossDim);
		j.addProperty("downsample_padding", downsamplePadding);
		j.addProperty("flip_sin_to_cos", flip);
		j.addProperty("freq_shift", freqShift);
		perBlock(j, "layers_per_block", layersAsList, layers);
		j.addProperty("norm_eps", eps);
		j.addProperty("only_cross_attention", onlyCross);
		j.addProperty("transformer_layers_per_block", transformerLayers);
		j.addProperty("use_linear_projection", linear);
		j.addProperty("sample_size", 8);
		PlainModules.UNetSpec spec = new PlainModules.UNetSpec(in, out, channels, layers, heads, crossDown, crossUp,
			crossDim, groups, eps, linear, onlyCross, transformerLayers, flip, freqShift, downsamplePadding);
		return new Case(j, spec, j.toString());
	}

	/**
	 * A key diffusers reads as one int for every block or as one per block: the list when {@code asList}, else the
	 * one value all blocks have.
	 */
	static void perBlock(JsonObject j, String key, boolean asList, int[] values) {
		if (asList) j.add(key, new Gson().toJsonTree(values));
		else j.addProperty(key, values[0]);
	}

	@Test
	void randomUNetsMatchThePlainFormulation(@TempDir Path dir) throws Exception {
		SplittableRandom r = new SplittableRandom(201);
		for (int config = 0; config < 8; config++) {
			int blocks = config % 2 == 0 ? 4 : 3;
			Case c = randomCase(r, blocks);
			// every other one non-square and not a multiple of 2^upsamplers; a downsample_padding of 0 needs >= 2
			// pixels at every level
			int factor = 1 << (blocks - 1), min = c.spec().downsamplePadding() == 0 ? factor : 1;
			int h = config % 2 == 0 ? between(r, Math.max(min, 3), 12) : factor * between(r, 1, 2);
			int w = config % 2 == 0 ? between(r, Math.max(min, 3), 12) : factor * between(r, 1, 2);
			// mostly 2, as under classifier-free guidance (and libtorch's CPU conv takes another path for batch 1)
			int batch = r.nextInt(4) != 0 ? 2 : 1, contextTokens = between(r, 1, 8);
			boolean perSample = r.nextBoolean(), integer = r.nextBoolean();
			String what = "UNet config " + config + " (" + batch + "x" + h + "x" + w + " latents, " +
				(perSample ? "per-sample" : "scalar") + (integer ? " int" : " float") + " timesteps) " + c.description();
			Path folder = Files.createDirectory(dir.resolve("unet" + config));
			try (NDManager m = NDManager.newBaseManager()) {
				var built = ModelFolder.writeAndLoad(m, folder, c.json(), r.nextLong(),
					(s, json) -> new UNet2DCondition(s, UNet2DCondition.Config.from(json)));
				Image sample = randomImage(r, batch, c.spec().inChannels(), h, w);
				Tokens context = randomTokens(r, batch, contextTokens, c.spec().crossDim());
				// timesteps below 100: float32 (the reference's precision) keeps t * frequency exact to ~1e-5 there
				double[] timesteps = new double[batch];
				double shared = integer ? between(r, 0, 99) : (float) (100 * r.nextDouble());
				for (int b = 0; b < batch; b++)
					timesteps[b] = !perSample ? shared : integer ? between(r, 0, 99) : (float) (100 * r.nextDouble());
				NDArray timestep = timestepArray(m, timesteps, perSample, integer);

				Map<String, double[]> expectedTaps = new LinkedHashMap<>();
				Image expected = PlainModules.unet(built.weights(), c.spec(), sample, timesteps, context, expectedTaps);
				assertAllRead(built.weights(), what);

				Map<String, NDArray> taps = new LinkedHashMap<>();
				production(what, () -> built.module().forward(nd(m, sample), timestep, nd(m, context), null, taps));
				assertSameStages(taps, expectedTaps, what);
				NDArray out = production(what, () -> built.module().forward(nd(m, sample), timestep, nd(m, context), null,
					null));
				assertClose(out, expected, what + ", forward without taps");
			}
		}
	}

	static NDArray timestepArray(NDManager m, double[] t, boolean perSample, boolean integer) {
		if (!perSample) return integer ? m.create((long) t[0]) : m.create((float) t[0]);
		if (integer) return m.create(Arrays.stream(t).mapToLong(v -> (long) v).toArray());
		return m.create(Harness.floats(t));
	}
}
