package org.diffseg.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.AutoencoderKL;
import org.diffseg.sd.ClipTextModel;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.UNet2DCondition;
import org.diffseg.sd.WeightFiles;
import org.diffseg.sd.scheduler.NoiseSchedule;
import org.diffseg.sd.scheduler.SchedulerConfig;

/**
 * Trains a Stable Diffusion from scratch on a {@link World}, in two stages: the VAE (reconstruction + a small KL
 * term), then the UNet and the CLIP text encoder together with the DDPM epsilon loss, dropping the caption of about
 * 10 % of the examples (classifier-free guidance). The networks are the production classes loaded from a diffusers
 * folder, so the result loads like any checkpoint.
 *
 * <p>The work folder holds {@code checkpoint/}: a complete model folder (float32 weights) plus the optimiser moments
 * and {@code state.json} (stage, step, losses). It is replaced atomically every {@link Recipe#checkpointEvery()} steps
 * and at the end of each stage; a run started on the same work folder resumes from it and continues exactly as the
 * uninterrupted run would (every step's randomness is derived from the seed and the step number).
 */
public final class Trainer {

	/** What a run leaves: the final losses and where the model is. */
	public record Result(Path model, State state, boolean finished) {}

	/** The resumable state, saved as state.json. */
	public static final class State {
		public Recipe recipe;
		public long seed;
		public String stage = "vae";
		public int step;
		public float scalingFactor = 1f;
		public double vaeSeconds, unetSeconds;
		public List<Float> vaeLoss = new ArrayList<>(), unetLoss = new ArrayList<>();
		public long vaeParameters, unetParameters, textParameters;
	}

	private static final boolean PROFILE = Boolean.getBoolean("diffseg.train.profile");
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
	private static final String CHECKPOINT = "checkpoint", TMP = "checkpoint.tmp", OLD = "checkpoint.old";

	private final Recipe recipe;
	private final World world;
	private final long seed;
	private final Path work;
	private final ProgressListener progress;
	private final TrainingLog log;
	private final CancelToken cancel;

	/**
	 * @param progress told after every optimisation step ("VAE step" or "UNet step", done, total)
	 * @param log receives every step's loss and rate and the run's status lines
	 * @param cancel read before every step: a cancelled run stops there (see {@link #run()})
	 */
	public Trainer(Recipe recipe, World world, long seed, Path work, ProgressListener progress, TrainingLog log,
		CancelToken cancel)
	{
		this.recipe = recipe;
		this.world = world;
		this.seed = seed;
		this.work = work;
		this.progress = progress;
		this.log = log;
		this.cancel = cancel;
	}

	public Path checkpoint() {
		return work.resolve(CHECKPOINT);
	}

	/**
	 * Trains (or resumes) until both stages are done or the run is cancelled; the checkpoint then holds the model. A
	 * cancelled run does not throw: training is meant to be stopped and resumed, so it returns an unfinished result and
	 * keeps its last checkpoint (the steps since are lost) for the next run on the same work folder to continue from.
	 */
	public Result run() throws IOException {
		State state = startOrResume();
		List<World.Example> pool = null;
		try (NDManager m = NDManager.newBaseManager()) {
			Path ckpt = checkpoint();
			Net<ClipTextModel> text = Net.text(ckpt, m);
			Net<AutoencoderKL> vae = Net.vae(ckpt, m);
			Net<UNet2DCondition> unet = Net.unet(ckpt, m);
			state.vaeParameters = vae.parameterCount();
			state.unetParameters = unet.parameterCount();
			state.textParameters = text.parameterCount();
			if (state.stage.equals("vae")) {
				note(String.format("VAE: %.2f M parameters, %d steps of %d images", vae.parameterCount() / 1e6,
					recipe.vaeSteps(), recipe.vaeBatch()));
				pool = world.scenes(seed, recipe.pool(), recipe.imageSize());
				vae.train();
				try (AdamW opt = new AdamW(m, vae.params)) {
					restoreMoments(opt, "vae", state);
					if (!trainVae(state, pool, text, vae, unet, opt)) return new Result(ckpt, state, false);
				}
				for (NDArray p : vae.params.values()) p.setRequiresGradient(false);
			}
			if (state.stage.equals("unet")) {
				note(String.format("UNet %.2f M + text encoder %.2f M parameters, %d steps of %d latents",
					unet.parameterCount() / 1e6, text.parameterCount() / 1e6, recipe.unetSteps(), recipe.unetBatch()));
				if (pool == null) pool = world.scenes(seed, recipe.pool(), recipe.imageSize());
				Latents latents = encodePool(vae, pool, state.scalingFactor);
				pool = null;
				ClipTokenizer tokenizer = ClipTokenizer.load(ckpt.resolve("tokenizer"));
				NoiseSchedule schedule = new NoiseSchedule(SchedulerConfig.load(ckpt.resolve("scheduler/scheduler_config.json")));
				text.train();
				unet.train();
				Map<String, NDArray> params = new LinkedHashMap<>();
				text.params.forEach((k, v) -> params.put("text_encoder/" + k, v));
				unet.params.forEach((k, v) -> params.put("unet/" + k, v));
				try (AdamW opt = new AdamW(m, params)) {
					restoreMoments(opt, "unet", state);
					if (!trainUnet(state, latents, tokenizer, schedule, text, vae, unet, opt))
						return new Result(ckpt, state, false);
				}
			}
			return new Result(ckpt, state, true);
		}
	}

	/** Whether two recipes build the same networks on the same data (the schedule may differ). */
	static boolean sameNetworks(Recipe a, Recipe b) {
		return a.imageSize() == b.imageSize() && java.util.Arrays.equals(a.vaeChannels(), b.vaeChannels()) &&
			a.vaeGroups() == b.vaeGroups() && java.util.Arrays.equals(a.unetChannels(), b.unetChannels()) &&
			a.unetLayers() == b.unetLayers() && java.util.Arrays.equals(a.unetHeads(), b.unetHeads()) &&
			a.unetGroups() == b.unetGroups() && a.textWidth() == b.textWidth() && a.textLayers() == b.textLayers() &&
			a.textHeads() == b.textHeads() && a.pool() == b.pool();
	}

	/** The state of the work folder's checkpoint, or null when there is none. */
	public State lastState() throws IOException {
		Path f = checkpoint().resolve("state.json");
		return Files.isRegularFile(f) ? GSON.fromJson(Files.readString(f), State.class) : null;
	}

	private State startOrResume() throws IOException {
		Files.createDirectories(work);
		Path ckpt = checkpoint();
		if (!Files.isDirectory(ckpt) && Files.isDirectory(work.resolve(OLD))) // killed between the two renames
			Files.move(work.resolve(OLD), ckpt);
		if (Files.isRegularFile(ckpt.resolve("state.json"))) {
			State s = GSON.fromJson(Files.readString(ckpt.resolve("state.json")), State.class);
			if (s.seed != seed || !sameNetworks(s.recipe, recipe)) throw new IOException(work + " holds a " +
				"checkpoint of another run (seed " + s.seed + ", recipe " + s.recipe.name() + "): give a new work folder " +
				"or the same seed and recipe to resume it.");
			note("resuming from " + ckpt + " (" + s.stage + " step " + s.step + ")");
			if (!s.recipe.toJson().equals(recipe.toJson()))
				note("note: the schedule changed from " + s.recipe.toJson().replaceAll("\\s+", " ") + " to " +
					recipe.toJson().replaceAll("\\s+", " ") + "; training continues with the new one");
			if (s.stage.equals("done") && recipe.unetSteps() > s.step) {
				note("continuing the finished run from UNet step " + s.step + " to " + recipe.unetSteps());
				s.stage = "unet";
			}
			s.recipe = recipe;
			return s;
		}
		deleteTree(work.resolve(TMP));
		recipe.writeConfigs(work.resolve(TMP), world.words(), 1f);
		Net.writeInitial(work.resolve(TMP), "text_encoder", seed + 1,
			(s, c) -> new ClipTextModel(s.scope("text_model"), ClipTextModel.Config.from(c)));
		Net.writeInitial(work.resolve(TMP), "vae", seed + 2,
			(s, c) -> new AutoencoderKL(s.scope(""), AutoencoderKL.Config.from(c)));
		Net.writeInitial(work.resolve(TMP), "unet", seed + 3,
			(s, c) -> new UNet2DCondition(s.scope(""), UNet2DCondition.Config.from(c)));
		State s = new State();
		s.recipe = recipe;
		s.seed = seed;
		Files.writeString(work.resolve(TMP).resolve("state.json"), GSON.toJson(s));
		deleteTree(ckpt);
		Files.move(work.resolve(TMP), ckpt, StandardCopyOption.ATOMIC_MOVE);
		return s;
	}

	private void note(String line) {
		log.record(new TrainingLog.Note(line));
	}

	private void step(String stage, String progressStage, int step, int steps, float loss, double secondsPerStep) {
		log.record(new TrainingLog.Step(stage, step, steps, loss, secondsPerStep));
		progress.progress(progressStage, step, steps);
	}

	// ---- VAE ----

	private boolean trainVae(State state, List<World.Example> pool, Net<ClipTextModel> text, Net<AutoencoderKL> vae,
		Net<UNet2DCondition> unet, AdamW opt) throws IOException
	{
		int steps = recipe.vaeSteps(), batch = recipe.vaeBatch(), size = recipe.imageSize();
		long start = System.nanoTime();
		double before = state.vaeSeconds;
		int first = state.step;
		while (state.step < steps) {
			if (cancel.isCancelled()) return false;
			int step = state.step;
			SplittableRandom r = random(1, step);
			float loss;
			try (NDManager s = vae.params.values().iterator().next().getManager().newSubManager()) {
				float[] px = new float[batch * 3 * size * size];
				for (int b = 0; b < batch; b++) fill(pool.get(r.nextInt(pool.size())), px, b, r.nextBoolean());
				NDArray x = s.create(px, new Shape(batch, 3, size, size));
				int lat = recipe.latentSize();
				NDArray noise = s.create(gaussians(r, batch * 4 * lat * lat), new Shape(batch, 4, lat, lat));
				try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
					AutoencoderKL.Posterior p = vae.module.encode(x, null);
					NDArray z = p.sample(noise);
					NDArray rec = vae.module.decode(z, null);
					NDArray mse = rec.sub(x).square().mean();
					NDArray kl = p.mean().square().add(p.logvar().exp()).sub(1).sub(p.logvar()).mean().mul(0.5f);
					NDArray total = mse.add(kl.mul(recipe.klWeight()));
					gc.backward(total);
					loss = mse.getFloat();
				}
			}
			opt.step(lr(recipe.vaeLr(), step, steps, Math.min(100, steps / 10)), 0f, recipe.clip());
			state.vaeLoss.add(loss);
			state.step++;
			state.vaeSeconds = before + (System.nanoTime() - start) / 1e9;
			step("vae", "VAE step", state.step, steps, loss, (System.nanoTime() - start) / 1e9 / (state.step - first));
			if (state.step % recipe.checkpointEvery() == 0 && state.step < steps)
				save(state, text, vae, unet, opt, "vae");
		}
		state.scalingFactor = scalingFactor(vae, pool);
		note(String.format("VAE done: reconstruction MSE %.5f (last 50 steps), scaling_factor %.4f",
			mean(state.vaeLoss, 50), state.scalingFactor));
		state.stage = "unet";
		state.step = 0;
		save(state, text, vae, unet, null, null);
		return true;
	}

	/** diffusers' convention: 1 / std of the (sampled) latents of the training images. */
	private float scalingFactor(Net<AutoencoderKL> vae, List<World.Example> pool) {
		int n = Math.min(pool.size(), 512);
		double sum = 0, sq = 0;
		long count = 0;
		SplittableRandom r = random(3, 0);
		for (int i = 0; i < n; i += 32) {
			int b = Math.min(32, n - i);
			try (NDManager s = NDManager.newBaseManager()) {
				AutoencoderKL.Posterior p = encode(vae, s, pool.subList(i, i + b));
				NDArray z = p.sample(s.create(gaussians(r, (int) p.mean().size()), p.mean().getShape()));
				for (float v : z.toFloatArray()) {
					sum += v;
					sq += v * v;
					count++;
				}
			}
		}
		double mean = sum / count, std = Math.sqrt(sq / count - mean * mean);
		return (float) (1 / std);
	}

	private AutoencoderKL.Posterior encode(Net<AutoencoderKL> vae, NDManager s, List<World.Example> images) {
		int size = recipe.imageSize();
		float[] px = new float[images.size() * 3 * size * size];
		for (int b = 0; b < images.size(); b++) fill(images.get(b), px, b, false);
		return vae.module.encode(s.create(px, new Shape(images.size(), 3, size, size)), null);
	}

	/** Posterior means and standard deviations of the whole pool (no gradients), and the captions. */
	record Latents(float[] mean, float[] std, List<List<String>> phrases, int perImage, float scale) {}

	private Latents encodePool(Net<AutoencoderKL> vae, List<World.Example> pool, float scale) {
		int lat = recipe.latentSize(), per = 4 * lat * lat;
		float[] mean = new float[pool.size() * per], std = new float[pool.size() * per];
		List<List<String>> phrases = new ArrayList<>();
		for (int i = 0; i < pool.size(); i += 64) {
			int b = Math.min(64, pool.size() - i);
			try (NDManager s = NDManager.newBaseManager()) {
				AutoencoderKL.Posterior p = encode(vae, s, pool.subList(i, i + b));
				System.arraycopy(p.mean().toFloatArray(), 0, mean, i * per, b * per);
				System.arraycopy(p.std().toFloatArray(), 0, std, i * per, b * per);
			}
		}
		for (World.Example e : pool) phrases.add(e.phrases());
		note("encoded " + pool.size() + " training images to latents");
		return new Latents(mean, std, phrases, per, scale);
	}

	// ---- UNet + text encoder ----

	private boolean trainUnet(State state, Latents latents, ClipTokenizer tokenizer, NoiseSchedule schedule,
		Net<ClipTextModel> text, Net<AutoencoderKL> vae, Net<UNet2DCondition> unet, AdamW opt) throws IOException
	{
		int steps = recipe.unetSteps(), batch = recipe.unetBatch(), lat = recipe.latentSize(), per = latents.perImage();
		Map<String, long[]> tokens = new HashMap<>();
		long start = System.nanoTime();
		double before = state.unetSeconds;
		int first = state.step;
		NDManager base = unet.params.values().iterator().next().getManager();
		while (state.step < steps) {
			if (cancel.isCancelled()) return false;
			int step = state.step;
			long tStep = System.nanoTime();
			SplittableRandom r = random(2, step);
			float[] z0 = new float[batch * per];
			long[] ids = new long[batch * 77];
			long[] t = new long[batch];
			for (int b = 0; b < batch; b++) {
				int i = r.nextInt(latents.mean().length / per);
				for (int k = 0; k < per; k++) {
					int j = i * per + k;
					z0[b * per + k] = (float) ((latents.mean()[j] + latents.std()[j] * gaussian(r)) * latents.scale());
				}
				String caption = r.nextFloat() < recipe.emptyCaption() ? "" : world.caption(shuffled(latents.phrases().get(i), r));
				System.arraycopy(tokens.computeIfAbsent(caption, c -> tokenizer.encode(c).ids()), 0, ids, b * 77, 77);
				t[b] = r.nextInt(schedule.numTrainTimesteps());
			}
			float[] eps = gaussians(r, batch * per);
			float loss;
			try (NDManager s = base.newSubManager()) {
				NDArray x0 = s.create(z0, new Shape(batch, 4, lat, lat));
				NDArray noise = s.create(eps, new Shape(batch, 4, lat, lat));
				NDArray xt = schedule.addNoise(x0, noise, t);
				NDArray ts = s.create(t);
				NDArray idArray = s.create(ids, new Shape(batch, 77));
				try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
					NDArray context = text.module.forward(idArray, false).lastHiddenState();
					NDArray pred = unet.module.forward(xt, ts, context, null, null);
					NDArray perSample = pred.sub(noise).square().reshape(batch, -1).mean(new int[] { 1 });
					NDArray mse = perSample.mean();
					NDArray objective = recipe.snrWeightCap() > 0 ?
						perSample.mul(s.create(weights(schedule, t, recipe.snrWeightCap()))).mean() : mse;
					gc.backward(objective);
					loss = mse.getFloat();
				}
			}
			long tOpt = System.nanoTime();
			opt.step(lr(recipe.unetLr(), step, steps, recipe.warmup()), recipe.weightDecay(), recipe.clip());
			if (PROFILE) System.err.printf("step %d: forward+backward %.2f s, optimizer %.2f s%n", step,
				(tOpt - tStep) / 1e9, (System.nanoTime() - tOpt) / 1e9);
			state.unetLoss.add(loss);
			state.step++;
			state.unetSeconds = before + (System.nanoTime() - start) / 1e9;
			step("unet", "UNet step", state.step, steps, loss, (System.nanoTime() - start) / 1e9 /
				(state.step - first));
			if (state.step % recipe.checkpointEvery() == 0 && state.step < steps)
				save(state, text, vae, unet, opt, "unet");
		}
		state.stage = "done";
		save(state, text, vae, unet, opt, "unet"); // the moments stay, so that a longer schedule can continue exactly
		note(String.format("UNet done: loss %.4f (mean of the last 100 steps)", mean(state.unetLoss, 100)));
		return true;
	}

	/** min(1 / ᾱ_t, cap) per sample: the v-prediction loss written in epsilon terms, capped. */
	static float[] weights(NoiseSchedule schedule, long[] t, float cap) {
		float[] w = new float[t.length];
		for (int i = 0; i < t.length; i++) w[i] = Math.min(1f / schedule.alphaCumprod((int) t[i]), cap);
		return w;
	}

	/** The phrases in random order (the model should not learn that the first-named object is drawn first). */
	static List<String> shuffled(List<String> phrases, SplittableRandom r) {
		List<String> p = new ArrayList<>(phrases);
		for (int i = p.size() - 1; i > 0; i--) Collections.swap(p, i, r.nextInt(i + 1));
		return p;
	}

	/** LinearLayer warm-up, then cosine decay to a tenth. */
	static float lr(float peak, int step, int steps, int warmup) {
		if (step < warmup) return peak * (step + 1) / warmup;
		double progress = (step - warmup) / (double) Math.max(1, steps - warmup);
		return (float) (peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress))));
	}

	// ---- checkpoints ----

	private void save(State state, Net<ClipTextModel> text, Net<AutoencoderKL> vae, Net<UNet2DCondition> unet,
		AdamW opt, String optName) throws IOException
	{
		Path tmp = work.resolve(TMP), ckpt = checkpoint(), old = work.resolve(OLD);
		deleteTree(tmp);
		copyConfigs(ckpt, tmp);
		if (state.scalingFactor != 1f) Recipe.setScalingFactor(tmp, state.scalingFactor);
		text.write(tmp.resolve("text_encoder/model.safetensors"), false);
		vae.write(tmp.resolve("vae/diffusion_pytorch_model.safetensors"), false);
		unet.write(tmp.resolve("unet/diffusion_pytorch_model.safetensors"), false);
		if (opt != null) {
			org.diffseg.sd.SafeTensorsWriter w = new org.diffseg.sd.SafeTensorsWriter();
			w.metadata("t", Long.toString(opt.t));
			for (String k : opt.m.keySet()) {
				w.add("m/" + k, SafeTensors.Dtype.F32, opt.m.get(k).getShape().getShape(), Net.floats(opt.m.get(k).toFloatArray(), false));
				w.add("v/" + k, SafeTensors.Dtype.F32, opt.v.get(k).getShape().getShape(), Net.floats(opt.v.get(k).toFloatArray(), false));
			}
			w.write(tmp.resolve("optimizer-" + optName + ".safetensors"));
		}
		Files.writeString(tmp.resolve("state.json"), GSON.toJson(state));
		deleteTree(old);
		Files.move(ckpt, old, StandardCopyOption.ATOMIC_MOVE);
		Files.move(tmp, ckpt, StandardCopyOption.ATOMIC_MOVE);
		deleteTree(old);
		note("checkpoint: " + state.stage + " step " + state.step);
	}

	private void restoreMoments(AdamW opt, String name, State state) throws IOException {
		Path f = checkpoint().resolve("optimizer-" + name + ".safetensors");
		if (!Files.isRegularFile(f) || state.step == 0) return;
		try (SafeTensors st = SafeTensors.open(f)) {
			opt.t = Long.parseLong(st.metadata().get("t"));
			for (String k : opt.m.keySet()) {
				copyInto(opt.m.get(k), st.readFloats("m/" + k));
				copyInto(opt.v.get(k), st.readFloats("v/" + k));
			}
		}
	}

	private static void copyInto(NDArray target, float[] values) {
		try (NDManager s = target.getManager().newSubManager()) {
			target.set(new ai.djl.ndarray.index.NDIndex("..."), s.create(values, target.getShape()));
		}
	}

	/** Configs and tokenizer of a model folder (everything but weights and training files). */
	static void copyConfigs(Path from, Path to) throws IOException {
		for (String f : new String[] { "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
			"vae/config.json", "unet/config.json", "tokenizer/vocab.json", "tokenizer/merges.txt",
			"tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json" })
		{
			Files.createDirectories(to.resolve(f).getParent());
			Files.copy(from.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
		}
	}

	static void deleteTree(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (Stream<Path> s = Files.walk(p)) {
			for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
		}
	}

	// ---- helpers ----

	/** The randomness of one step of one stage: a pure function of the seed, the stage and the step. */
	private SplittableRandom random(int stage, int step) {
		return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stage * 0x632BE59BD9B4E019L + step);
	}

	/** Writes an example into a [B, 3, S, S] buffer in [-1, 1], optionally mirrored left-right. */
	private static void fill(World.Example e, float[] out, int b, boolean mirror) {
		int n = e.size(), plane = n * n, base = b * 3 * plane;
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) {
				int c = e.rgb()[y * n + (mirror ? n - 1 - x : x)], o = y * n + x;
				out[base + o] = ((c >> 16) & 255) / 127.5f - 1;
				out[base + plane + o] = ((c >> 8) & 255) / 127.5f - 1;
				out[base + 2 * plane + o] = (c & 255) / 127.5f - 1;
			}
	}

	private static float[] gaussians(SplittableRandom r, int n) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) v[i] = (float) gaussian(r);
		return v;
	}

	private static double gaussian(SplittableRandom r) {
		double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
		return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
	}

	static double mean(List<Float> v, int last) {
		int n = Math.min(last, v.size());
		double s = 0;
		for (int i = v.size() - n; i < v.size(); i++) s += v.get(i);
		return n == 0 ? Double.NaN : s / n;
	}
}
