package org.diffseg.sd;

import static org.diffseg.sd.Reference.assertClose;
import static org.diffseg.sd.Reference.load;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;

import org.junit.jupiter.api.Test;

class AutoencoderKLTest {
	@Test
	void encodeAndDecodeMatchReference() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); var loaded = Reference.tinyVae(m)) {
			AutoencoderKL vae = loaded.model();
			Map<String, NDArray> taps = AutoencoderKL.newTaps();
			AutoencoderKL.Posterior post = vae.encode(load(m, "vae.safetensors", "image"), taps);
			String v = "vae.safetensors";
			assertClose(post.mean(), load(m, v, "posterior_mean"), 1e-4, "posterior_mean");
			assertClose(post.logvar(), load(m, v, "posterior_logvar"), 1e-4, "posterior_logvar");
			assertClose(post.std(), load(m, v, "posterior_std"), 1e-4, "posterior_std");
			assertClose(post.mean().mul(vae.scalingFactor()), load(m, v, "latents_scaled"), 1e-4, "latents_scaled");
			assertClose(post.sample(load(m, v, "sample_noise")), load(m, v, "posterior_sample"), 1e-4, "posterior_sample");
			NDArray decoded = vae.decode(load(m, v, "decode_input"), taps);
			assertClose(decoded, load(m, v, "decoded"), 1e-4, "decoded");
			assertClose(vae.decode(post.mean(), null), load(m, v, "roundtrip_decoded"), 1e-4, "roundtrip_decoded");
			for (Map.Entry<String, NDArray> e : taps.entrySet())
				assertClose(e.getValue(), load(m, "vae_debug.safetensors", e.getKey()), 1e-4, e.getKey());
			try (SafeTensors dbg = SafeTensors.open(Reference.REF.resolve("vae_debug.safetensors"))) {
				org.junit.jupiter.api.Assertions.assertEquals(dbg.tensors().keySet(), taps.keySet(), "every debug intermediate is checked");
			}
		}
	}
}
