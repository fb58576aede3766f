package org.diffseg.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code diffseg bench}: median times of the Stable Diffusion building blocks at a given size, and the peak resident
 * memory, as one JSON object. Timings are for comparison side by side on one machine, never absolute.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
	description = "Benchmark text encoding, UNet forward, VAE encode+backward and VAE decode; prints JSON.")
public final class BenchCommand implements Callable<Integer> {

	@Option(names = "--model", required = true, description = "Model folder (e.g. one written by init-model).")
	Path model;

	@Option(names = "--size", defaultValue = "512", description = "Image size in pixels (default 512).")
	int size;

	@Option(names = "--batch", defaultValue = "2", description = "UNet batch (2 = guidance pair; default 2).")
	int batch;

	@Option(names = "--repeat", defaultValue = "3", description = "Timed repetitions per measurement (default 3).")
	int repeat;

	@Mixin
	DeviceOptions device;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		if (repeat < 1 || batch < 1) throw new UserError("--repeat and --batch must be at least 1.");
		Map<String, Object> json = new LinkedHashMap<>();
		try (StableDiffusion sd = StableDiffusion.load(model, device.device(), device.dtype());
			NDManager m = NDManager.newBaseManager(sd.device))
		{
			if (size % sd.latentScale() != 0) throw new UserError("--size must be a multiple of " + sd.latentScale() + ".");
			long rssLoaded = Memory.residentBytes();
			int latent = size / sd.latentScale();
			json.put("model", model.toString());
			json.put("device", sd.device.toString());
			json.put("dtype", sd.dtype.toString());
			json.put("size", size);
			json.put("batch", batch);
			json.put("repeat", repeat);
			json.put("threads", Runtime.getRuntime().availableProcessors());
			json.put("text_encode_ms", median(repeat, () -> {
				try (NDManager s = m.newSubManager()) {
					sd.encodeText(s, List.of("", "a photograph of an astronaut riding a horse"));
				}
			}));
			try (NDManager s = m.newSubManager()) {
				NDArray pair = sd.encodeText(s, List.of("", "a photo of a cat"));
				NDArray context = batch % 2 == 0 ? pair.get("0:1").repeat(0, batch / 2)
					.concat(pair.get("1:2").repeat(0, batch / 2), 0) : pair.get("1:2").repeat(0, batch);
				NDArray latents = TextToImage.initialLatents(s, 1, batch, sd.unet.config.inChannels(), latent, latent)
					.toType(sd.dtype, false);
				NDArray t = s.create(500f);
				json.put("unet_forward_ms", median(repeat, () -> {
					try (NDManager step = s.newSubManager()) {
						sd.unet.forward(latents, t, context, null, null).attach(step);
					}
				}));
			}
			json.put("vae_encode_backward_ms", median(repeat, () -> {
				try (NDManager s = m.newSubManager()) {
					NDArray image = s.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(1, 3, size, size))
						.toType(sd.dtype, false);
					image.setRequiresGradient(true);
					try (GradientCollector gc = Engine.getEngine(s.getEngine().getEngineName()).newGradientCollector()) {
						NDArray mean = sd.vae.encode(image, null).mean();
						gc.backward(mean.sum());
					}
				}
			}));
			json.put("vae_decode_ms", median(repeat, () -> {
				try (NDManager s = m.newSubManager()) {
					NDArray z = TextToImage.initialLatents(s, 2, 1, sd.vae.config.latentChannels(), latent, latent)
						.toType(sd.dtype, false);
					sd.vae.decode(z, null);
				}
			}));
			long peak = Memory.peakResidentBytes();
			json.put("weight_bytes", sd.weightBytes());
			json.put("rss_after_load_bytes", rssLoaded);
			json.put("peak_rss_bytes", peak);
			json.put("peak_rss_over_weights", peak > 0 ? Math.round(1000.0 * peak / sd.weightBytes()) / 1000.0 : null);
		}
		spec.commandLine().getOut().println(Memory.toJson(json));
		return DiffSegCli.EXIT_OK;
	}

	/** Median wall time in ms of {@code n} runs after one untimed warm-up run. */
	static double median(int n, Runnable r) {
		r.run();
		double[] t = new double[n];
		for (int i = 0; i < n; i++) {
			long start = System.nanoTime();
			r.run();
			t[i] = (System.nanoTime() - start) / 1e6;
		}
		Arrays.sort(t);
		double med = n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
		return Math.round(med * 10) / 10.0;
	}
}
