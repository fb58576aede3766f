package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.scheduler.DdimScheduler;
import org.diffseg.sd.scheduler.DpmSolverMultistepScheduler;
import org.diffseg.sd.scheduler.Scheduler;

/**
 * The parity protocol of the fixtures' README as a reusable check: for each reference file present in a folder, run
 * the same computation on a model folder and compare every tensor with max|actual - expected| <= bound *
 * max|expected| (integers exactly). Driven by the tensor names the README defines, so it works on any reference
 * folder in that format. {@code diffseg check-model} prints the results.
 */
public final class ReferenceCheck {

	/**
	 * One compared tensor. {@code relative} = max|Δ| / max|expected|. A tensor the check cannot produce is a SKIP
	 * result: {@code skipped} says why (null for compared tensors), and it neither passes nor fails.
	 */
	public record Result(String name, double maxAbs, double relative, double bound, boolean pass, String skipped) {
		public Result(String name, double maxAbs, double relative, double bound, boolean pass) {
			this(name, maxAbs, relative, bound, pass, null);
		}

		static Result skip(String name, String why) {
			return new Result(name, Double.NaN, Double.NaN, Double.NaN, false, why);
		}

		public boolean isSkipped() {
			return skipped != null;
		}

		/** Neither passed nor skipped. */
		public boolean failed() {
			return !pass && skipped == null;
		}

		public String line() {
			if (skipped != null) return "SKIP " + name + " (" + skipped + ")";
			return String.format("%-4s %-70s max|Δ| %.3e  rel %.3e  (bound %.0e)", pass ? "PASS" : "FAIL", name, maxAbs,
				relative, bound);
		}
	}

	/** The README's recommended bounds per file. */
	static final Map<String, Double> BOUNDS = Map.ofEntries(Map.entry("text_encoder", 1e-4), Map.entry("vae", 1e-4),
		Map.entry("vae_debug", 1e-4), Map.entry("unet", 1e-4), Map.entry("cross_attention_probs", 1e-4),
		Map.entry("cross_attention_queries", 1e-4), Map.entry("scheduler", 1e-4), Map.entry("sampling", 1e-3),
		Map.entry("peekaboo_sds", 1e-3), Map.entry("bilateral", 1e-4));

	private final StableDiffusion sd;
	private final Path reference;
	private final Consumer<Result> sink;
	private final List<Result> results = new ArrayList<>();
	/** Reference tensors a check used, as "absolute file path \0 tensor name". */
	private final java.util.Set<String> used = new java.util.HashSet<>();
	/** Why a reference tensor that a check knows about could not be produced, by "file/tensor". */
	private final Map<String, String> skipReasons = new LinkedHashMap<>();

	private ReferenceCheck(StableDiffusion sd, Path reference, Consumer<Result> sink) {
		this.sd = sd;
		this.reference = reference;
		this.sink = sink;
	}

	/** Runs every check whose reference file exists; {@code sink} sees each result as it comes. */
	public static List<Result> run(StableDiffusion sd, Path reference, Consumer<Result> sink) throws IOException {
		if (!Files.isDirectory(reference)) throw new IOException(reference + " is not a folder of reference tensors.");
		ReferenceCheck c = new ReferenceCheck(sd, reference, sink == null ? r -> {} : sink);
		try (NDManager m = NDManager.newBaseManager(sd.device)) {
			c.tokenizer(m);
			c.textEncoder(m);
			c.vae(m);
			c.unet(m);
			c.scheduler(m);
			c.sampling(m);
			c.scoreDistillation(m);
			c.bilateral(m);
		}
		boolean compared = !c.results.isEmpty();
		c.skipUnused();
		if (!compared) throw new IOException(reference + " holds none of the reference files this check " +
			"knows (tokenizer, text_encoder, vae, vae_debug, unet, unet_debug_t*, cross_attention_*, scheduler, " +
			"sampling, peekaboo_sds, bilateral .safetensors).");
		return c.results;
	}

	// ---- comparisons

	void compare(String name, NDArray actual, NDArray expected, double bound) {
		float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
		float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
		double maxAbs = 0, maxRef = 0;
		boolean ok = java.util.Arrays.equals(actual.getShape().getShape(), expected.getShape().getShape());
		for (int i = 0; ok && i < a.length; i++) {
			double d = Math.abs((double) a[i] - e[i]);
			if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
			maxAbs = Math.max(maxAbs, d);
			maxRef = Math.max(maxRef, Math.abs(e[i]));
		}
		double rel = maxRef == 0 ? maxAbs : maxAbs / maxRef;
		add(new Result(name + (ok ? "" : " (shape " + actual.getShape() + " != " + expected.getShape() + ")"), maxAbs,
			rel, bound, ok && rel <= bound));
	}

	void compareExact(String name, long[] actual, long[] expected) {
		double maxAbs = actual.length == expected.length ? 0 : Double.POSITIVE_INFINITY;
		for (int i = 0; i < Math.min(actual.length, expected.length); i++)
			maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
		add(new Result(name, maxAbs, maxAbs, 0, maxAbs == 0));
	}

	/** Element-wise relative error (for the scheduler tables: the README asks 1e-5 relative). */
	void compareElementwise(String name, float[] actual, float[] expected, double bound) {
		double worst = actual.length == expected.length ? 0 : Double.POSITIVE_INFINITY, maxAbs = 0;
		for (int i = 0; i < Math.min(actual.length, expected.length); i++) {
			double d = Math.abs((double) actual[i] - expected[i]);
			maxAbs = Math.max(maxAbs, d);
			worst = Math.max(worst, expected[i] == 0 ? d : d / Math.abs(expected[i]));
		}
		add(new Result(name + " (element-wise)", maxAbs, worst, bound, worst <= bound));
	}

	private void add(Result r) {
		results.add(r);
		sink.accept(r);
	}

	SafeTensors open(String file) throws IOException {
		Path p = reference.resolve(file + ".safetensors");
		return Files.isRegularFile(p) ? SafeTensors.open(p) : null;
	}

	NDArray get(NDManager m, SafeTensors f, String name) throws IOException {
		read(f, name);
		return f.load(m, name, DataType.FLOAT32);
	}

	NDArray getRaw(NDManager m, SafeTensors f, String name) throws IOException {
		read(f, name);
		return f.load(m, name, null);
	}

	long[] longs(SafeTensors f, String name) throws IOException {
		read(f, name);
		return f.readLongs(name);
	}

	float[] floats(SafeTensors f, String name) throws IOException {
		read(f, name);
		return f.readFloats(name);
	}

	/** Notes that a check used a reference tensor (as an input or as an expected value). */
	private void read(SafeTensors f, String name) {
		used.add(f.path().toAbsolutePath().normalize() + "\0" + name);
	}

	/**
	 * Reports every tensor of every reference file that no check used as {@code SKIP file/name (why)}: a reference
	 * tensor is never ignored in silence.
	 */
	private void skipUnused() throws IOException {
		try (var files = Files.list(reference)) {
			for (Path p : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".safetensors")).sorted()::iterator) {
				String file = p.getFileName().toString().replaceAll("\\.safetensors$", "");
				try (SafeTensors f = SafeTensors.open(p)) {
					String key = f.path().toAbsolutePath().normalize() + "\0";
					boolean known = used.stream().anyMatch(u -> u.startsWith(key));
					for (String name : f.tensors().keySet()) {
						if (used.contains(key + name)) continue;
						String why = skipReasons.getOrDefault(file + "/" + name, known ? "check-model has no check " +
							"that produces this tensor" : "check-model has no check for " + file + ".safetensors");
						add(Result.skip(file + "/" + name, why));
					}
				}
			}
		}
	}

	// ---- the checks, one per reference file

	void tokenizer(NDManager m) throws IOException {
		Path prompts = reference.resolve("prompts.json");
		try (SafeTensors f = open("tokenizer")) {
			if (f == null || !Files.isRegularFile(prompts)) return;
			List<String> texts = promptTexts(prompts);
			long[] ids = longs(f, "input_ids");
			long[] mask = f.tensors().containsKey("attention_mask") ? longs(f, "attention_mask") : null;
			long[] counts = f.tensors().containsKey("num_text_tokens") ? longs(f, "num_text_tokens") : null;
			int len = sd.tokenizer.maxLength();
			for (int i = 0; i < texts.size(); i++) {
				ClipTokenizer.Encoding e = sd.tokenizer.encode(texts.get(i));
				compareExact("tokenizer/input_ids[" + i + "]", e.ids(), java.util.Arrays.copyOfRange(ids, i * len, (i + 1) * len));
				if (mask != null) compareExact("tokenizer/attention_mask[" + i + "]", e.attentionMask(),
					java.util.Arrays.copyOfRange(mask, i * len, (i + 1) * len));
				if (counts != null) compareExact("tokenizer/num_text_tokens[" + i + "]", new long[] { e.textTokenCount() },
					new long[] { counts[i] });
			}
		}
	}

	static List<String> promptTexts(Path prompts) throws IOException {
		JsonElement root = JsonParser.parseString(Files.readString(prompts));
		JsonArray list = root.isJsonArray() ? root.getAsJsonArray() : root.getAsJsonObject().getAsJsonArray("prompts");
		List<String> texts = new ArrayList<>();
		for (JsonElement e : list)
			texts.add(e.isJsonPrimitive() ? e.getAsString() : e.getAsJsonObject().get("text").getAsString());
		return texts;
	}

	void textEncoder(NDManager m) throws IOException {
		try (SafeTensors f = open("text_encoder"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("text_encoder");
			ClipTextModel.Output out = sd.textEncoder.forward(getRaw(s, f, "input_ids"), true);
			compare("text_encoder/last_hidden_state", out.lastHiddenState(), get(s, f, "last_hidden_state"), b);
			if (f.tensors().containsKey("pooler_output"))
				compare("text_encoder/pooler_output", out.pooled(), get(s, f, "pooler_output"), b);
			if (f.tensors().containsKey("hidden_states")) {
				NDArray hs = get(s, f, "hidden_states");
				for (int i = 0; i < hs.getShape().get(0); i++)
					compare("text_encoder/hidden_states[" + i + "]", out.hiddenStates().get(i), hs.get(i), b);
			}
		}
	}

	void vae(NDManager m) throws IOException {
		try (SafeTensors f = open("vae"); SafeTensors dbg = open("vae_debug"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("vae");
			Map<String, NDArray> taps = AutoencoderKL.newTaps();
			AutoencoderKL.Posterior post = sd.vae.encode(model(get(s, f, "image")), taps);
			Map<String, NDArray> actual = new LinkedHashMap<>();
			actual.put("posterior_mean", post.mean());
			actual.put("posterior_logvar", post.logvar());
			actual.put("posterior_std", post.std());
			actual.put("latents_scaled", post.mean().mul(sd.vae.scalingFactor()));
			if (f.tensors().containsKey("sample_noise")) actual.put("posterior_sample", post.sample(model(get(s, f, "sample_noise"))));
			if (f.tensors().containsKey("moments")) actual.put("moments", taps.get("quant_conv"));
			if (f.tensors().containsKey("decode_latents_scaled"))
				actual.put("decode_input", get(s, f, "decode_latents_scaled").div(sd.vae.scalingFactor()));
			if (f.tensors().containsKey("decode_input")) actual.put("decoded", sd.vae.decode(model(get(s, f, "decode_input")), taps));
			actual.put("roundtrip_decoded", sd.vae.decode(post.mean(), null));
			for (Map.Entry<String, NDArray> e : actual.entrySet())
				if (f.tensors().containsKey(e.getKey())) compare("vae/" + e.getKey(), e.getValue(), get(s, f, e.getKey()), b);
			if (dbg != null) for (String name : dbg.tensors().keySet()) {
				NDArray a = taps.get(name);
				if (a == null) add(new Result("vae_debug/" + name + " (no such intermediate)", Double.NaN, Double.NaN, b, false));
				else compare("vae_debug/" + name, a, get(s, dbg, name), BOUNDS.get("vae_debug"));
			}
		}
	}

	static final Pattern TIMESTEP = Pattern.compile("timesteps?_(.+)");

	void unet(NDManager m) throws IOException {
		try (SafeTensors f = open("unet"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("unet");
			NDArray sample = model(get(s, f, "sample")), context = model(get(s, f, "encoder_hidden_states"));
			if (f.tensors().containsKey("encoder_input_ids")) compare("unet/encoder_hidden_states (text encoder of " +
				"encoder_input_ids)", sd.textEncoder.forward(getRaw(s, f, "encoder_input_ids"), false).lastHiddenState(),
				context, BOUNDS.get("text_encoder"));
			for (String name : f.tensors().keySet()) {
				Matcher mt = TIMESTEP.matcher(name);
				if (!mt.matches()) continue;
				String suffix = mt.group(1);
				String expected = f.tensors().containsKey("noise_pred_t" + suffix) ? "noise_pred_t" + suffix :
					"noise_pred_" + suffix;
				if (!f.tensors().containsKey(expected)) continue;
				try (NDManager step = s.newSubManager()) {
					NDArray t = getRaw(step, f, name);
					NDArray pred = sd.unet.forward(sample, t, context, null, null);
					compare("unet/" + expected, pred, get(step, f, expected), b);
				}
			}
			// intermediates and attention of the documented call (t = 999, or the t in the debug file's name)
			for (Path debug : list("unet_debug_t")) {
				String t = debug.getFileName().toString().replaceAll("unet_debug_t(.+)\\.safetensors", "$1");
				try (SafeTensors dbg = SafeTensors.open(debug); NDManager step = s.newSubManager();
					AttentionRecorder rec = AttentionRecorder.all(step))
				{
					Map<String, NDArray> taps = new LinkedHashMap<>();
					sd.unet.forward(sample, step.create(Float.parseFloat(t.replace('_', '.'))), context, rec, taps);
					for (String name : dbg.tensors().keySet()) {
						NDArray a = taps.get(name);
						if (a == null) add(new Result(dbg.path().getFileName() + "/" + name + " (no such intermediate)",
							Double.NaN, Double.NaN, b, false));
						else compare("unet_debug_t" + t + "/" + name, a, get(step, dbg, name), b);
					}
					if (t.equals("999")) attention(step, rec);
				}
			}
		}
	}

	void attention(NDManager m, AttentionRecorder rec) throws IOException {
		for (String kind : new String[] { "probs", "queries" }) {
			try (SafeTensors f = open("cross_attention_" + kind)) {
				if (f == null) continue;
				Map<String, NDArray> recorded = kind.equals("probs") ? rec.probs : rec.queries;
				for (String layer : f.tensors().keySet()) {
					NDArray a = recorded.get(layer);
					if (a == null) add(new Result("cross_attention_" + kind + "/" + layer + " (layer not found)", Double.NaN,
						Double.NaN, 1e-4, false));
					else compare("cross_attention_" + kind + "/" + layer, a, get(m, f, layer), 1e-4);
				}
			}
		}
	}

	List<Path> list(String prefix) throws IOException {
		try (var s = Files.list(reference)) {
			return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".safetensors"))
				.sorted().toList();
		}
	}

	static final Pattern TABLE = Pattern.compile("(ddim|dpm)_timesteps_(\\d+)");
	static final Pattern RUN = Pattern.compile("(ddim|dpm)(\\d+)_trajectory");

	void scheduler(NDManager m) throws IOException {
		try (SafeTensors f = open("scheduler"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("scheduler");
			if (f.tensors().containsKey("betas"))
				compareElementwise("scheduler/betas", sd.noiseSchedule.betas(), floats(f, "betas"), 1e-5);
			if (f.tensors().containsKey("alphas_cumprod")) compareElementwise("scheduler/alphas_cumprod",
				sd.noiseSchedule.alphasCumprod(), floats(f, "alphas_cumprod"), 1e-5);
			for (String name : f.tensors().keySet()) {
				Matcher mt = TABLE.matcher(name);
				if (mt.matches()) {
					int n = Integer.parseInt(mt.group(2));
					try (Scheduler sch = scheduler(mt.group(1))) {
						compareExact("scheduler/" + name, sch.setTimesteps(n), longs(f, name));
						String sigmas = "dpm_sigmas_" + n;
						if (sch instanceof DpmSolverMultistepScheduler dpm && f.tensors().containsKey(sigmas))
							compareElementwise("scheduler/" + sigmas, dpm.sigmas(), floats(f, sigmas), 1e-5);
					}
				}
				Matcher run = RUN.matcher(name);
				if (run.matches()) trajectory(s, f, run.group(1), Integer.parseInt(run.group(2)), name, b);
			}
			if (f.tensors().containsKey("add_noise_result")) {
				NDArray result = sd.noiseSchedule.addNoise(get(s, f, "add_noise_original"), get(s, f, "add_noise_noise"),
					longs(f, "add_noise_timesteps"));
				compare("scheduler/add_noise_result", result, get(s, f, "add_noise_result"), b);
			}
		}
	}

	Scheduler scheduler(String kind) {
		return kind.equals("ddim") ? new DdimScheduler(sd.schedulerConfig) :
			new DpmSolverMultistepScheduler(sd.schedulerConfig);
	}

	void trajectory(NDManager m, SafeTensors f, String kind, int n, String name, double bound) throws IOException {
		String outputs = kind + n + "_model_outputs";
		if (!f.tensors().containsKey(outputs)) return;
		NDArray expected = get(m, f, name), eps = get(m, f, outputs);
		try (Scheduler sch = scheduler(kind)) {
			long[] ts = sch.setTimesteps(n);
			NDArray x = expected.get(0);
			NDArray[] steps = new NDArray[n + 1];
			steps[0] = x;
			for (int i = 0; i < n; i++) {
				x = sch.step(eps.get(i), ts[i], x);
				steps[i + 1] = x;
			}
			compare("scheduler/" + name, NDArrays.stackAll(steps), expected, bound);
		}
	}

	/** Solves uncond + g (cond - uncond) = cfg for g (least squares), so the check needs no constant but the README's. */
	static float guidance(NDArray uncond, NDArray cond, NDArray cfg) {
		NDArray d = cond.sub(uncond);
		return d.mul(cfg.sub(uncond)).sum().getFloat() / d.mul(d).sum().getFloat();
	}

	void sampling(NDManager m) throws IOException {
		try (SafeTensors f = open("sampling"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("sampling");
			NDArray ids = getRaw(s, f, "negative_input_ids").concat(getRaw(s, f, "prompt_input_ids"), 0);
			NDArray embeds = sd.textEncoder.forward(ids, false).lastHiddenState();
			compare("sampling/prompt_embeds", embeds, get(s, f, "prompt_embeds"), b);
			float g = guidance(get(s, f, "noise_pred_uncond").get(0), get(s, f, "noise_pred_text").get(0),
				get(s, f, "noise_pred_cfg").get(0));
			g = Math.round(g * 1000) / 1000f;
			long[] timesteps = longs(f, "timesteps");
			NDArray init = get(s, f, "init_latents");
			TextToImage pipeline = new TextToImage(sd);
			int scale = sd.latentScale();
			TextToImage.Settings settings = new TextToImage.Settings(timesteps.length, g, "dpm++",
				(int) init.getShape().get(2) * scale, (int) init.getShape().get(3) * scale);
			List<NDArray> traj = new ArrayList<>(), unc = new ArrayList<>(), txt = new ArrayList<>(), cfg = new ArrayList<>();
			long[] seen = new long[timesteps.length];
			NDArray finalLatents = pipeline.sample(s, embeds, init, settings, null, ProgressListener.NONE, CancelToken.none(),
				(i, t, before, u, c, guided) -> {
					seen[i] = t;
					NDArray copy = before.duplicate();
					for (NDArray kept : new NDArray[] { copy, u, c, guided }) kept.attach(s);
					traj.add(copy);
					unc.add(u);
					txt.add(c);
					cfg.add(guided);
				});
			compareExact("sampling/timesteps", seen, timesteps);
			traj.add(finalLatents);
			compare("sampling/latents_trajectory", NDArrays.stackAll(traj.toArray(NDArray[]::new)),
				get(s, f, "latents_trajectory"), b);
			compare("sampling/noise_pred_uncond", NDArrays.stackAll(unc.toArray(NDArray[]::new)),
				get(s, f, "noise_pred_uncond"), b);
			compare("sampling/noise_pred_text", NDArrays.stackAll(txt.toArray(NDArray[]::new)),
				get(s, f, "noise_pred_text"), b);
			compare("sampling/noise_pred_cfg", NDArrays.stackAll(cfg.toArray(NDArray[]::new)),
				get(s, f, "noise_pred_cfg"), b);
			compare("sampling/final_latents", finalLatents, get(s, f, "final_latents"), b);
			if (f.tensors().containsKey("sigmas")) try (DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(
				sd.schedulerConfig))
			{
				dpm.setTimesteps(timesteps.length);
				compareElementwise("sampling/sigmas", dpm.sigmas(), floats(f, "sigmas"), 1e-5);
			}
			if (f.tensors().containsKey("decoder_input")) compare("sampling/decoder_input", finalLatents.div(
				sd.vae.scalingFactor()), get(s, f, "decoder_input"), b);
			NDArray decoded = sd.vae.decode(model(finalLatents.div(sd.vae.scalingFactor())), null);
			compare("sampling/decoded_image", decoded, get(s, f, "decoded_image"), b);
			NDArray image01 = decoded.div(2).add(0.5f).clip(0f, 1f);
			compare("sampling/image_01", image01, get(s, f, "image_01"), b);
			if (f.tensors().containsKey("image_uint8")) {
				NDArray u8 = image01.mul(255).round().transpose(0, 2, 3, 1);
				NDArray diff = u8.sub(get(s, f, "image_uint8")).abs();
				double worst = diff.max().getFloat();
				add(new Result("sampling/image_uint8 (+-1 per value)", worst, worst, 1, worst <= 1));
			}
		}
	}

	void scoreDistillation(NDManager m) throws IOException {
		try (SafeTensors f = open("peekaboo_sds"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.get("peekaboo_sds");
			NDArray image = get(s, f, "image"), logits = get(s, f, "alpha_logits");
			NDArray background = get(s, f, "background").reshape(1, 3, 1, 1);
			NDArray noise = get(s, f, "noise"), context = get(s, f, "encoder_hidden_states");
			long[] t = longs(f, "timestep");
			float g = guidance(get(s, f, "noise_pred_uncond"), get(s, f, "noise_pred_text"), get(s, f, "noise_pred_cfg"));
			g = Math.round(g * 1000) / 1000f;
			logits.setRequiresGradient(true);
			NDArray gradLatents, alphaValue;
			try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine(s.getEngine().getEngineName())
				.newGradientCollector())
			{
				NDArray alpha = ai.djl.nn.Activation.sigmoid(logits);
				NDArray a = alpha.expandDims(1);
				NDArray composite = image.mul(a).add(background.mul(a.neg().add(1)));
				NDArray latents = org.diffseg.sd.nn.Scalars.times(sd.vae.encode(model(org.diffseg.sd.nn.Scalars.affine(
					composite, 2, -1)), null).mean().toType(DataType.FLOAT32, false), sd.vae.scalingFactor());
				compare("peekaboo_sds/alpha", alpha, get(s, f, "alpha"), b);
				compare("peekaboo_sds/composite", composite, get(s, f, "composite"), b);
				compare("peekaboo_sds/latents", latents, get(s, f, "latents"), b);
				NDArray noisy = sd.noiseSchedule.addNoise(latents.stopGradient(), noise, t);
				compare("peekaboo_sds/latents_noisy", noisy, get(s, f, "latents_noisy"), b);
				NDArray pred = sd.unet.forward(model(noisy.concat(noisy, 0)), s.create((float) t[0]), model(context), null, null)
					.toType(DataType.FLOAT32, false);
				NDArray uncond = pred.get(0).expandDims(0), cond = pred.get(1).expandDims(0);
				compare("peekaboo_sds/noise_pred_uncond", uncond, get(s, f, "noise_pred_uncond"), b);
				compare("peekaboo_sds/noise_pred_text", cond, get(s, f, "noise_pred_text"), b);
				NDArray cfg = uncond.add(cond.sub(uncond).mul(g));
				compare("peekaboo_sds/noise_pred_cfg", cfg, get(s, f, "noise_pred_cfg"), b);
				float alphaCumprod = sd.noiseSchedule.alphaCumprod((int) t[0]);
				// the guided prediction as noise: a v (or x0) model's output is converted with the noisy latents
				NDArray eps = sd.schedulerConfig.prediction().epsilon(cfg, noisy.stopGradient(), (float) Math.sqrt(
					alphaCumprod), (float) Math.sqrt(1f - alphaCumprod));
				if (f.tensors().containsKey("eps_pred_cfg"))
					compare("peekaboo_sds/eps_pred_cfg", eps, get(s, f, "eps_pred_cfg"), b);
				float w = 1 - alphaCumprod;
				compare("peekaboo_sds/weight", s.create(new float[] { w }), get(s, f, "weight"), b);
				gradLatents = eps.sub(noise).mul(w).stopGradient();
				compare("peekaboo_sds/grad_latents", gradLatents, get(s, f, "grad_latents"), b);
				alphaValue = alpha.stopGradient();
				// the injected latent gradient alone: its vector-Jacobian product through the VAE encoder
				gc.backward(latents.mul(gradLatents).sum());
			}
			NDArray sds = logits.getGradient();
			if (f.tensors().containsKey("grad_alpha_logits_sds"))
				compare("peekaboo_sds/grad_alpha_logits_sds", sds, get(s, f, "grad_alpha_logits_sds"), b);
			// the gravity term 0.05 * sum(alpha): d/d(logits) = 0.05 alpha (1 - alpha)
			NDArray reg = alphaValue.mul(alphaValue.neg().add(1)).mul(0.05f);
			if (f.tensors().containsKey("grad_alpha_logits_reg"))
				compare("peekaboo_sds/grad_alpha_logits_reg", reg, get(s, f, "grad_alpha_logits_reg"), b);
			if (f.tensors().containsKey("grad_alpha_logits"))
				compare("peekaboo_sds/grad_alpha_logits", sds.add(reg), get(s, f, "grad_alpha_logits"), b);
		}
	}

	static final Pattern BLUR = Pattern.compile("(alpha|guide)_blur_k(\\d+)_iter(\\d+)");

	/**
	 * Peekaboo's bilateral proxy blur (README: sigma 5, colour tolerance 0.08): spatial kernels, weights and repeated
	 * applications to the alpha and to the guide itself. Needs no model weights.
	 */
	void bilateral(NDManager m) throws IOException {
		try (SafeTensors f = open("bilateral"); NDManager s = m.newSubManager()) {
			if (f == null) return;
			double b = BOUNDS.getOrDefault("bilateral", 1e-4), sigma = 5, tolerance = 0.08;
			NDArray guide = get(s, f, "guide").toDevice(sd.device, false), alpha = get(s, f, "alpha").toDevice(sd.device,
				false);
			java.util.SortedSet<Integer> kernels = new java.util.TreeSet<>();
			for (String name : f.tensors().keySet()) {
				Matcher k = Pattern.compile("(?:gaussian_kernel|weights)_k(\\d+)").matcher(name);
				Matcher blur = BLUR.matcher(name);
				if (k.matches()) kernels.add(Integer.parseInt(k.group(1)));
				if (blur.matches()) kernels.add(Integer.parseInt(blur.group(2)));
			}
			for (int k : kernels) {
				String gk = "gaussian_kernel_k" + k;
				if (f.tensors().containsKey(gk)) compareElementwise("bilateral/" + gk,
					org.diffseg.peekaboo.BilateralProxyBlur.spatialKernel(k, sigma), floats(f, gk), 1e-5);
				try (org.diffseg.peekaboo.BilateralProxyBlur blur = new org.diffseg.peekaboo.BilateralProxyBlur(guide, k,
					sigma, tolerance))
				{
					if (f.tensors().containsKey("weights_k" + k))
						compare("bilateral/weights_k" + k, blur.weights(), get(s, f, "weights_k" + k), b);
					for (String name : f.tensors().keySet()) {
						Matcher mt = BLUR.matcher(name);
						if (!mt.matches() || Integer.parseInt(mt.group(2)) != k) continue;
						NDArray input = mt.group(1).equals("alpha") ? alpha : guide;
						compare("bilateral/" + name, blur.apply(input, Integer.parseInt(mt.group(3))), get(s, f, name), b);
					}
				}
			}
		}
	}

	/** A model input in the model's weight type (float16 runs are checked too, against the same bounds). */
	NDArray model(NDArray x) {
		return x.toType(sd.dtype, false);
	}

	/** Stacks along a new first axis. */
	static final class NDArrays {
		static NDArray stackAll(NDArray... arrays) {
			return ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(arrays));
		}
	}
}
