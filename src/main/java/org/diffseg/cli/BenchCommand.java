package org.diffseg.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.img.RgbPlanes;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.sd.AutoencoderKL;
import org.diffseg.sd.NativeMemory;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg bench}: median times of the Stable Diffusion building blocks at a given size, and the peak resident
 * memory, as one JSON object. Timings are for comparison side by side on one machine, never absolute.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
	description = "Benchmark text encoding, UNet forward, VAE encode+backward and VAE decode; prints JSON.",
	subcommands = { BenchCommand.PeekabooBench.class, BenchOvDiffCommand.class, BenchVitCommand.class })
public final class BenchCommand extends DeviceCommand {

	// not required by picocli, so that "bench peekaboo --model DIR" parses; checked in call()
	@Option(names = "--model", description = "Model folder (e.g. one written by init-model).")
	Path model;

	@Option(names = "--size", defaultValue = "512", description = "Image size in pixels (default 512).")
	int size;

	@Option(names = "--batch", defaultValue = "2", description = "UNet batch (2 = guidance pair; default 2).")
	int batch;

	@Mixin
	RepeatOption repeat = new RepeatOption(3);

	@Option(names = "--parts", split = ",", defaultValue = ALL_PARTS,
		description = "Which measurements, comma-separated (default: " + ALL_PARTS + "; also " + EXTRA_PARTS + ", " +
			"the encoder recomputed stage by stage, as Peekaboo did before it kept the low-resolution stages' graph).")
	List<String> parts;

	@Option(names = "--profile", paramLabel = "FILE", description = "Write PyTorch's profiler trace of each part's timed runs " +
		"(per-operator native time) to FILE.PART.json.")
	Path profile;

	static final String ALL_PARTS = "text_encode,unet_forward,vae_encode_backward,vae_encode_backward_plain,vae_decode";
	static final String EXTRA_PARTS = "vae_encode_backward_all_checkpointed";

	@Override
	public Integer call() throws Exception {
		for (String p : parts)
			if (!List.of((ALL_PARTS + "," + EXTRA_PARTS).split(",")).contains(p)) throw new UserError("--parts: " +
				"unknown part '" + p + "'; the parts are " + ALL_PARTS + "," + EXTRA_PARTS + ".");
		if (model == null) throw new UserError("give --model DIR (e.g. a folder written by init-model).");
		if (repeat.count < 1 || batch < 1) throw new UserError("--repeat and --batch must be at least 1.");
		Map<String, Object> json = new LinkedHashMap<>();
		Memory.CpuClock total = new Memory.CpuClock();
		Map<String, Object> cpu = new LinkedHashMap<>();
		try (StableDiffusion sd = load(model);
			NDManager m = NDManager.newBaseManager(sd.device))
		{
			if (size % sd.latentScale() != 0) throw new UserError("--size must be a multiple of " + sd.latentScale() + ".");
			long rssLoaded = Memory.residentBytes();
			startPeak(); // the first part's peak is its own too, not the load's
			int latent = size / sd.latentScale();
			putModel(json, model, sd);
			json.put("size", size);
			json.put("batch", batch);
			json.put("repeat", repeat.count);
			putThreads(json);
			measure(json, cpu, sd, "text_encode", () -> {
				try (NDManager s = m.newSubManager()) {
					sd.encodeText(s, List.of("", "a photograph of an astronaut riding a horse"));
				}
			});
			if (parts.contains("unet_forward")) try (NDManager s = m.newSubManager()) {
				NDArray pair = sd.encodeText(s, List.of("", "a photo of a cat"));
				NDArray context = batch % 2 == 0 ? pair.get("0:1").repeat(0, batch / 2)
					.concat(pair.get("1:2").repeat(0, batch / 2), 0) : pair.get("1:2").repeat(0, batch);
				NDArray latents = TextToImage.initialLatents(s, 1, batch, sd.unet.config.inChannels(), latent, latent)
					.toType(sd.dtype, false);
				NDArray t = s.create(500f);
				measure(json, cpu, sd, "unet_forward", () -> {
					try (NDManager step = s.newSubManager()) {
						sd.unet.forward(latents, t, context, null, null).attach(step);
					}
				});
			}
			// as Peekaboo runs it: the high-resolution stages checkpointed, the others with their graph
			json.put("vae_checkpointed_stages", sd.vae.checkpointedStages(new ai.djl.ndarray.types.Shape(1, 3, size,
				size), sd.dtype) + " of " + sd.vae.encoderStages());
			measure(json, cpu, sd, "vae_encode_backward", () -> encodeBackward(sd, m, -1));
			measure(json, cpu, sd, "vae_encode_backward_all_checkpointed", () -> encodeBackward(sd, m,
				sd.vae.encoderStages()));
			// one autograd graph over the whole encoder, for comparison
			measure(json, cpu, sd, "vae_encode_backward_plain", () -> {
				try (NDManager s = m.newSubManager()) {
					NDArray image = s.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(1, 3, size, size))
						.toType(sd.dtype, false);
					image.setRequiresGradient(true);
					try (GradientCollector gc = Engine.getEngine(s.getEngine().getEngineName()).newGradientCollector()) {
						NDArray mean = sd.vae.encode(image, null).mean();
						gc.backward(mean.sum());
					}
				}
			});
			measure(json, cpu, sd, "vae_decode", () -> {
				try (NDManager s = m.newSubManager()) {
					NDArray z = TextToImage.initialLatents(s, 2, 1, sd.vae.config.latentChannels(), latent, latent)
						.toType(sd.dtype, false);
					sd.vae.decode(z, null);
				}
			});
			long peak = Math.max(highestPeak, Memory.peakResidentBytes());
			json.put("weight_bytes", sd.weightBytes());
			json.put("rss_after_load_bytes", rssLoaded);
			json.put("peak_rss_bytes", peak);
			json.put("peak_rss_over_weights", peak > 0 ? Math.round(1000.0 * peak / sd.weightBytes()) / 1000.0 : null);
		}
		json.put("cpu", cpu);
		total.put(json, "total_");
		return printJson(json);
	}

	/**
	 * {@code diffseg bench peekaboo}: Peekaboo iterations on a synthetic image, split into the engine's parts. One
	 * untimed warm-up iteration, then {@code repeat} timed ones; medians per part. The resident-memory peak is reset
	 * after the warm-up (Linux), so it is the peak of the timed iterations.
	 */
	@Command(name = "peekaboo", mixinStandardHelpOptions = true,
		description = "Benchmark Peekaboo iterations (ms per iteration, split by part, engine overhead share); prints JSON.")
	static final class PeekabooBench extends DeviceCommand {

		@Mixin
		BenchModelOption model;

		@Option(names = "--size", defaultValue = "512",
			description = "Side of the composites given to the VAE (default 512).")
		int size;

		@Option(names = "--alpha-size", defaultValue = "256", description = "Alpha resolution (default 256).")
		int alphaSize;

		@Option(names = "--representation", defaultValue = "fourier bilateral",
			description = "Alpha parametrisation (default fourier bilateral).")
		String representation;

		@Option(names = "--vae-backward", defaultValue = "checkpointed",
			description = "checkpointed (default, as Peekaboo runs: recompute the encoder stage by stage, but for the " +
				"stages whose inputs are small) or full (keep the whole graph).")
		String vaeBackward;

		@Mixin
		RepeatOption repeat = new RepeatOption(3);

		@Override
		public Integer call() throws Exception {
			if (repeat.count < 1) throw new UserError("--repeat must be at least 1.");
			if (!vaeBackward.equals("checkpointed") && !vaeBackward.equals("full")) throw new UserError("--vae-backward " +
				"must be checkpointed or full, not '" + vaeBackward + "'.");
			PeekabooSettings s;
			try {
				s = PeekabooSettings.defaults().withRepresentation(representation).withSize(alphaSize)
					.withCompositeSize(size).withIterations(repeat.count + 1).withTimelapseEvery(0);
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			Map<String, Object> json = new LinkedHashMap<>();
			Memory.CpuClock total = new Memory.CpuClock();
			try (StableDiffusion sd = load(model.folder)) {
				long rssLoaded = Memory.residentBytes();
				Peekaboo peekaboo = new Peekaboo(sd).vaeCheckpointing(vaeBackward.equals("checkpointed"));
				long[] rss = new long[repeat.count + 1];
				boolean[] peakReset = { false };
				Peekaboo.Segmentation r;
				try {
					r = peekaboo.segment(syntheticImage(alphaSize), null, List.of("a photo of a cat"), s,
						(stage, i, n) -> {
							rss[i - 1] = Memory.residentBytes();
							if (i == 1) peakReset[0] = resetPeakResident();
						}, CancelToken.none());
				}
				catch (IllegalArgumentException e) {
					throw new UserError(e.getMessage());
				}
				Peekaboo.Timings t = r.timings();
				putModel(json, model.folder, sd);
				json.put("size", peekaboo.compositeSize(s));
				json.put("alpha_size", alphaSize);
				json.put("representation", s.representation());
				json.put("vae_backward", vaeBackward);
				json.put("repeat", repeat.count);
				putThreads(json);
				double ms = medianMs(t, -1);
				json.put("ms_per_iteration", ms);
				Map<String, Object> split = new LinkedHashMap<>();
				for (int part = 0; part < Peekaboo.Timings.PARTS.size(); part++)
					split.put(Peekaboo.Timings.PARTS.get(part), medianMs(t, part));
				json.put("split_ms", split);
				double overhead = (double) split.get("parametrisation") + (double) split.get("other");
				json.put("engine_overhead_share", Math.round(1000 * overhead / ms) / 1000.0);
				json.put("weight_bytes", sd.weightBytes());
				json.put("rss_after_load_bytes", rssLoaded);
				Map<String, Object> rssAt = new LinkedHashMap<>();
				for (int i = 1; i <= repeat.count + 1; i++)
					if (i == 1 || i == 10 || i % 50 == 0 || i == repeat.count + 1)
						rssAt.put(String.valueOf(i), rss[i - 1]);
				json.put("rss_bytes_after_iteration", rssAt);
				json.put(peakReset[0] ? "peak_rss_timed_iterations_bytes" : "peak_rss_since_start_bytes",
					Memory.peakResidentBytes());
			}
			total.put(json, "total_");
			return printJson(json);
		}

		/** Median in ms over the timed iterations (all but the first) of one part, or of the whole iteration (-1). */
		private static double medianMs(Peekaboo.Timings t, int part) {
			double[] ms = new double[t.iterations() - 1];
			for (int i = 1; i < t.iterations(); i++) ms[i - 1] = (part < 0 ? t.nanos(i) : t.nanos(i, part)) / 1e6;
			Arrays.sort(ms);
			int n = ms.length;
			double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
			return Math.round(median * 10) / 10.0;
		}

		/** A smooth colour pattern with an edge, so the bilateral weights are not trivial. */
		private static RgbPlanes syntheticImage(int side) {
			float[] v = new float[3 * side * side];
			for (int c = 0; c < 3; c++)
				for (int y = 0; y < side; y++)
					for (int x = 0; x < side; x++)
						v[(c * side + y) * side + x] = (float) ((x < side / 2 ? 0.3 : 0.6) + 0.2 * Math.sin(0.05 * (x + 2 *
							y) + c));
			return new RgbPlanes(side, side, v);
		}
	}

	/**
	 * Puts "PART_peak_over_weights": the resident-memory peak since the last reset over the weights' bytes, then
	 * resets the peak for the next part (Linux; nothing where the peak cannot be reset, since it would mix parts).
	 */
	private void partPeak(Map<String, Object> json, String part, StableDiffusion sd) {
		long peak = Memory.peakResidentBytes();
		highestPeak = Math.max(highestPeak, peak);
		if (peak > 0 && peakWasReset) json.put(part + "_peak_over_weights", Math.round(1000.0 * peak /
			sd.weightBytes()) / 1000.0);
		startPeak();
	}

	/** Starts a fresh resident peak: memory the allocator kept so far must not count as the next part's. */
	private void startPeak() {
		NativeMemory.release();
		peakWasReset = resetPeakResident();
	}

	/**
	 * When {@code name} is among the chosen parts: puts NAME_ms (median of the timed runs), the part's wall, user and
	 * sys seconds (warm-up included) under {@code cpu}, and its resident-memory peak.
	 */
	/** The VAE encoder's vector-Jacobian product of sum(mean): checkpointed stages by the policy (-1) or as given. */
	private void encodeBackward(StableDiffusion sd, NDManager m, int checkpointed) {
		try (NDManager s = m.newSubManager()) {
			NDArray image = s.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(1, 3, size, size))
				.toType(sd.dtype, false);
			try (GradientCollector gc = Engine.getEngine(s.getEngine().getEngineName()).newGradientCollector()) {
				AutoencoderKL.Checkpoints c = checkpointed < 0 ? sd.vae.encodeForBackward(image)
					: sd.vae.encodeForBackward(image, checkpointed);
				NDArray ones = s.ones(c.posterior().mean().getShape(), c.posterior().mean().getDataType());
				sd.vae.vectorJacobian(gc, c, ones, null); // d/d(image) of sum(mean)
			}
		}
	}

	private void measure(Map<String, Object> json, Map<String, Object> cpu, StableDiffusion sd, String name, Runnable r) {
		if (!parts.contains(name)) return;
		Memory.CpuClock clock = new Memory.CpuClock();
		if (profile != null) {
			r.run(); // warm-up outside the trace
			ai.djl.pytorch.jni.JniUtils.startProfile(false, true, false);
			try {
				json.put(name + "_ms", median(repeat.count, r));
			}
			finally {
				ai.djl.pytorch.jni.JniUtils.stopProfile(profile.resolveSibling(profile.getFileName() + "." + name + ".json")
					.toString());
			}
		}
		else json.put(name + "_ms", median(repeat.count, r));
		Map<String, Object> times = new LinkedHashMap<>();
		clock.put(times, "");
		cpu.put(name, times);
		partPeak(json, name, sd);
	}

	/** Whether the resident peak was reset after the previous part; the highest peak read so far (bytes). */
	private boolean peakWasReset;
	private long highestPeak = -1;

	/** Resets the resident-memory high-water mark (Linux: clear_refs 5); false where that is not possible. */
	static boolean resetPeakResident() {
		try {
			Files.writeString(Path.of("/proc/self/clear_refs"), "5");
			return true;
		}
		catch (IOException | RuntimeException e) {
			return false;
		}
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
