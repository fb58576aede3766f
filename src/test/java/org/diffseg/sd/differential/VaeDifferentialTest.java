package org.diffseg.sd.differential;

import static org.diffseg.sd.differential.Harness.assertAllRead;
import static org.diffseg.sd.differential.Harness.assertClose;
import static org.diffseg.sd.differential.Harness.assertSameStages;
import static org.diffseg.sd.differential.Harness.between;
import static org.diffseg.sd.differential.Harness.nd;
import static org.diffseg.sd.differential.Harness.production;
import static org.diffseg.sd.differential.Harness.randomImage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.diffseg.sd.AutoencoderKL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole AutoencoderKLs of random small configurations, loaded from config.json + safetensors as a real model is,
 * against {@link PlainModules#vaeEncode} and {@link PlainModules#vaeDecode}: 3 or 4 blocks, layers_per_block 1-3,
 * groups of 1-8 channels, mid-block attention on or off, odd non-square images (the encoder's right/bottom-padded
 * downsamplers then drop a row or column). Every stage of the encoder and the decoder is compared, then the
 * posterior (from encode and from the checkpointed encoder used for backward passes) and the decoded image.
 */
class VaeDifferentialTest {

	@Test
	void randomAutoencodersMatchThePlainFormulation(@TempDir Path dir) throws Exception {
		SplittableRandom r = new SplittableRandom(301);
		for (int config = 0; config < 8; config++) {
			int blocks = config % 2 == 0 ? 4 : 3, groups = between(r, 1, 4);
			int[] channels = new int[blocks];
			for (int i = 0; i < blocks; i++) channels[i] = groups * between(r, 1, 8);
			int layers = between(r, 1, 3), latent = between(r, 1, 4), in = between(r, 1, 4), out = between(r, 1, 4);
			boolean attention = r.nextInt(4) != 0;
			String[] down = new String[blocks], up = new String[blocks];
			Arrays.fill(down, "DownEncoderBlock2D");
			Arrays.fill(up, "UpDecoderBlock2D");
			JsonObject j = ModelFolder.config("AutoencoderKL", channels, down, up, in, out, groups);
			j.addProperty("latent_channels", latent);
			j.addProperty("layers_per_block", layers);
			j.addProperty("scaling_factor", 0.18215);
			if (!attention || r.nextBoolean()) j.addProperty("mid_block_add_attention", attention);
			PlainModules.VaeSpec spec = new PlainModules.VaeSpec(in, out, channels, layers, latent, groups, attention);

			// at least one pixel left after blocks-1 halvings; odd sizes lose their last row or column on the way
			int factor = 1 << (blocks - 1), batch = between(r, 1, 2);
			int h = between(r, factor, 2 * factor + 5), w = between(r, factor, 2 * factor + 5);
			int lh = between(r, 1, 3), lw = between(r, 1, 3);
			String what = "VAE config " + config + " (" + batch + "x" + h + "x" + w + " images, " + lh + "x" + lw +
				" latents) " + j;
			Path folder = Files.createDirectory(dir.resolve("vae" + config));
			try (NDManager m = NDManager.newBaseManager()) {
				var built = ModelFolder.writeAndLoad(m, folder, j, r.nextLong(),
					(s, json) -> new AutoencoderKL(s, AutoencoderKL.Config.from(json)));
				AutoencoderKL vae = built.module();
				Image image = randomImage(r, batch, in, h, w);
				Image latents = randomImage(r, batch, latent, lh, lw);

				Map<String, double[]> expectedTaps = new LinkedHashMap<>();
				Image moments = PlainModules.vaeEncode(built.weights(), spec, image, expectedTaps);
				Image decoded = PlainModules.vaeDecode(built.weights(), spec, latents, expectedTaps);
				assertAllRead(built.weights(), what);
				Image mean = Loops.channels(moments, 0, latent), logvar = Loops.channels(moments, latent, 2 * latent);
				for (int i = 0; i < logvar.v.length; i++) logvar.v[i] = Math.max(-30, Math.min(20, logvar.v[i]));

				Map<String, NDArray> taps = AutoencoderKL.newTaps();
				production(what, () -> vae.encode(nd(m, image), taps));
				production(what, () -> vae.decode(nd(m, latents), taps));
				assertSameStages(taps, expectedTaps, what);

				AutoencoderKL.Posterior p = production(what, () -> vae.encode(nd(m, image), null));
				assertClose(p.mean(), mean, what + ", posterior mean");
				assertClose(p.logvar(), logvar, what + ", posterior logvar");
				try (AutoencoderKL.Checkpoints c = production(what, () -> vae.encodeForBackward(nd(m, image)))) {
					assertClose(c.posterior().mean(), mean, what + ", checkpointed posterior mean");
					assertClose(c.posterior().logvar(), logvar, what + ", checkpointed posterior logvar");
				}
				assertClose(production(what, () -> vae.decode(nd(m, latents), null)), decoded, what + ", decoded image");
			}
		}
	}
}
