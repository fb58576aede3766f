package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.scheduler.Scheduler;
import org.diffseg.sd.scheduler.Schedulers;

/**
 * Text-to-image sampling with classifier-free guidance, as diffusers' StableDiffusionPipeline: per step the UNet sees
 * [latents; latents] with [negative; prompt] states, guided = uncond + g (cond - uncond), then a scheduler step.
 */
public final class TextToImage {

	/** The stage name under which {@link #sample} reports its steps. */
	public static final String STAGE = "denoising step";

	/** @param scheduler "dpm++" (default, as OVDiff), "ddim" or "pndm" */
	public record Settings(int steps, float guidance, String scheduler, int height, int width) {
		public Settings {
			if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
		}
	}

	/** What to try when sampling gives a non-finite value. */
	static final String NON_FINITE_HINT = "Try fewer steps or a lower guidance, another seed or float32 instead of " +
		"float16, or check the model (a random or corrupted checkpoint gives such values).";

	private final StableDiffusion sd;

	public TextToImage(StableDiffusion sd) {
		this.sd = sd;
	}

	/**
	 * Standard-normal initial latents [batch, C, h, w] from a seed, generated in Java so the same seed gives the same
	 * start on every device.
	 */
	public static NDArray initialLatents(NDManager m, long seed, int batch, int channels, int h, int w) {
		SplittableRandom random = new SplittableRandom(seed);
		float[] values = new float[batch * channels * h * w];
		for (int i = 0; i < values.length; i += 2) {
			// Box-Muller: two independent normals from two uniforms in (0, 1]
			double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
			double r = Math.sqrt(-2 * Math.log(u1));
			values[i] = (float) (r * Math.cos(2 * Math.PI * u2));
			if (i + 1 < values.length) values[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
		}
		return m.create(values, new Shape(batch, channels, h, w));
	}

	/** Initial latents for {@code batch} images of the settings' size. */
	public NDArray initialLatents(NDManager m, long seed, int batch, Settings s) {
		int scale = sd.latentScale();
		checkSize(s);
		return initialLatents(m, seed, batch, sd.unet.config.inChannels(), s.height() / scale, s.width() / scale);
	}

	private void checkSize(Settings s) {
		int scale = sd.latentScale();
		if (s.height() % scale != 0 || s.width() % scale != 0 || s.height() <= 0 || s.width() <= 0)
			throw new IllegalArgumentException("image size " + s.width() + "x" + s.height() + " must be a positive " +
				"multiple of " + scale);
	}

	/** Sees each denoising step (for checks and debugging); arrays belong to the step's scope. */
	public interface StepObserver {
		void onStep(int index, long timestep, NDArray latentsBefore, NDArray uncond, NDArray cond, NDArray guided);
	}

	/**
	 * Samples latents. Every image of the batch uses the same prompt pair.
	 *
	 * @param initLatents [B, C, h, w] start (not modified)
	 * @param tap receives the cross-attention of every step's UNet call (may be null)
	 * @param progress told after every denoising step ("denoising step", done, total)
	 * @param cancel checked before every denoising step
	 * @return final (scaled) latents in {@code m}
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled
	 */
	public NDArray sample(NDManager m, String prompt, String negative, NDArray initLatents, Settings s, AttentionTap tap,
		ProgressListener progress, CancelToken cancel)
	{
		long batch = initLatents.getShape().get(0);
		try (NDManager run = m.newSubManager(sd.device)) {
			NDArray states = sd.encodeText(run, List.of(negative, prompt));
			NDArray context = states.get(0).expandDims(0).repeat(0, batch)
				.concat(states.get(1).expandDims(0).repeat(0, batch), 0);
			return sample(m, context, initLatents, s, tap, progress, cancel, null);
		}
	}

	/**
	 * Samples latents from text-encoder states.
	 *
	 * @param context [2B, 77, D]: B negative (unconditional) rows, then B conditional rows
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled (checked before every step)
	 */
	public NDArray sample(NDManager m, NDArray context, NDArray initLatents, Settings s, AttentionTap tap,
		ProgressListener progress, CancelToken cancel, StepObserver observer)
	{
		try (NDManager run = m.newSubManager(sd.device); Scheduler scheduler = Schedulers.create(sd.schedulerConfig,
			s.scheduler()))
		{
			NDArray ctx = context.toType(sd.dtype, true);
			ctx.attach(run);
			long[] timesteps = scheduler.setTimesteps(s.steps());
			NDArray latents = initLatents.toType(DataType.FLOAT32, true);
			latents.attach(run);
			latents = latents.mul(scheduler.initNoiseSigma());
			for (int i = 0; i < timesteps.length; i++) {
				cancel.check();
				long t = timesteps[i];
				NDArray previous = latents;
				try (NDManager step = run.newSubManager()) {
					previous.tempAttach(step);
					NDArray input = scheduler.scaleModelInput(previous, t);
					NDArray doubled = input.concat(input, 0).toType(sd.dtype, false);
					NDArray noise = sd.unet.forward(doubled, step.create((float) t), ctx, tap, null)
						.toType(DataType.FLOAT32, false);
					NDList halves = noise.split(2, 0);
					NDArray guided = halves.get(0).add(halves.get(1).sub(halves.get(0)).mul(s.guidance()));
					if (observer != null) observer.onStep(i, t, previous, halves.get(0), halves.get(1), guided);
					latents = scheduler.step(guided, t, previous);
					latents.attach(run);
					// one reduction per step: NaN latents would decode to NaN images and empty attention maps
					if (!NonFiniteException.isFinite(latents)) throw new NonFiniteException("Stable Diffusion sampling",
						NonFiniteException.isFinite(guided) ? s.scheduler() + " sampler's latents" :
							"UNet noise prediction", i + 1, timesteps.length, NON_FINITE_HINT);
				}
				previous.close();
				progress.progress(STAGE, i + 1, timesteps.length);
			}
			latents.attach(m);
			return latents;
		}
	}

	/** Decodes scaled latents to images [B, 3, H, W] clamped to [0, 1], in {@code m}. */
	public NDArray decode(NDManager m, NDArray latents) {
		try (NDManager run = m.newSubManager(sd.device)) {
			NDArray z = latents.div(sd.vae.scalingFactor()).toType(sd.dtype, false);
			z.attach(run);
			NDArray decoded = sd.vae.decode(z, null).toType(DataType.FLOAT32, false);
			NonFiniteException.check(decoded, "Stable Diffusion sampling", "VAE decoder's image", NON_FINITE_HINT);
			NDArray image = decoded.div(2).add(0.5f).clip(0f, 1f);
			image.attach(m);
			return image;
		}
	}

	/** Convenience: sample and decode {@code batch} images from a seed. */
	public NDArray generate(NDManager m, String prompt, String negative, long seed, int batch, Settings s,
		AttentionTap tap, ProgressListener progress, CancelToken cancel)
	{
		try (NDManager run = m.newSubManager(sd.device)) {
			NDArray init = initialLatents(run, seed, batch, s);
			NDArray latents = sample(run, prompt, negative, init, s, tap, progress, cancel);
			return decode(m, latents);
		}
	}

	static List<String> repeat(String s, long n) {
		return new ArrayList<>(Collections.nCopies((int) n, s));
	}
}
