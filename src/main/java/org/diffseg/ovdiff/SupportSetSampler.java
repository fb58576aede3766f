package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.NonFiniteException;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;

/**
 * Synthesises a class's support set (paper §3.2, appendix C.5): N images from "A good picture of a ⟨c⟩" with the
 * negative prompt, classifier-free guidance 8 and 30 DPM-Solver++ steps, in batches, while an {@link AttributionMap}
 * accumulates the cross-attention of the class name's tokens; then decodes the images and turns the maps into heat
 * maps at the image size.
 * <p>
 * Seeds: support image i of a class starts from {@link TextToImage#initialLatents} with seed
 * {@code sampling.seed() + i} — the same for every class (as the authors seed each class the same way) and independent
 * of the batch size, so adding a class never changes another class's images and any batch size gives the same images
 * (up to float rounding of batched matrix products).
 */
public final class SupportSetSampler {
	/** The authors' scheduler: DPM-Solver++ (multistep, order 2). */
	public static final String SCHEDULER = "dpm++";

	private final StableDiffusion sd;
	private final SupportSet.Sampling sampling;
	private final int batchSize, attributionSize, size;

	/**
	 * @param batchSize images sampled together (memory grows with it; results do not change)
	 * @param attributionSize side of the grid the attention maps are accumulated on, 0 for the latent grid (64 for
	 * SD 1.5 at 512 px, as the authors)
	 */
	public SupportSetSampler(StableDiffusion sd, SupportSet.Sampling sampling, int batchSize, int attributionSize) {
		if (batchSize < 1) throw new IllegalArgumentException("the batch size must be at least 1, not " + batchSize);
		if (attributionSize < 0) throw new IllegalArgumentException("the attribution size must be positive (or 0 for " +
			"the latent grid), not " + attributionSize);
		int scale = sd.latentScale();
		int s = sampling.size() == 0 ? sd.defaultImageSize() : sampling.size();
		if (s % scale != 0) throw new IllegalArgumentException("the support image size must be a multiple of " + scale +
			", not " + s);
		this.sd = sd;
		this.sampling = sampling;
		this.batchSize = batchSize;
		this.size = s;
		this.attributionSize = attributionSize == 0 ? s / scale : attributionSize;
	}

	/** Side of the square support images in pixels. */
	public int imageSize() {
		return size;
	}

	/** Side of the attribution grid in use. */
	public int attributionSize() {
		return attributionSize;
	}

	/** The initial latents [1, C, h, w] of support image {@code index} of any class. */
	public NDArray initialLatents(NDManager m, int index) {
		int latent = size / sd.latentScale();
		return TextToImage.initialLatents(m, sampling.seed() + index, 1, sd.unet.config.inChannels(), latent, latent);
	}

	/** The name under which support image {@code index} of a class is recorded (explanations refer to it). */
	public String imageName(String className, int index) {
		return String.format(Locale.ROOT, "%s #%d (seed %d)", ClassNames.clean(className), index, sampling.seed() + index);
	}

	/**
	 * The positions of the class name's tokens in its prompt's 77 token ids, looked for where the template puts the
	 * name.
	 * @throws IllegalArgumentException when the name is lost to truncation or tokenizes to nothing
	 */
	public int[] classTokens(String className) {
		String name = ClassNames.clean(className);
		long[] prompt = sd.tokenizer.encode(sampling.prompt(name)).ids();
		long[] ids = sd.tokenizer.textTokenIds(name).stream().mapToLong(Integer::longValue).toArray();
		int from = 1 + sd.tokenizer.textTokenIds(sampling.promptPrefix()).size(); // after bos and the prefix
		try {
			return AttributionMap.tokenPositions(prompt, ids, from);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("the class name '" + name + "' " + (ids.length == 0 ?
				"has no tokens" : "does not fit in the " + sd.tokenizer.maxLength() + "-token prompt") +
				": use a shorter name", e);
		}
	}

	/**
	 * Samples a class's whole support set: {@code sampling.images()} images in batches, each decoded, with its heat map
	 * at the image size.
	 * @param m where the images are created (the caller closes them)
	 * @param progress told after every batch how many images are done ("support image", done, total)
	 * @param cancel checked at every denoising step
	 * @throws CancellationException when {@code cancel} is cancelled (no image is kept)
	 */
	public SupportSet sample(NDManager m, String className, ProgressListener progress, CancelToken cancel) {
		String name = ClassNames.clean(className);
		int[] tokens = classTokens(name);
		int n = sampling.images();
		List<NDArray> images = new ArrayList<>(n);
		List<HeatMap> heats = new ArrayList<>(n);
		List<String> names = new ArrayList<>(n);
		boolean done = false;
		try {
			for (int first = 0; first < n; first += batchSize) {
				int count = Math.min(batchSize, n - first);
				try (NDManager batch = m.newSubManager(sd.device)) {
					NDList init = new NDList();
					for (int i = 0; i < count; i++) init.add(initialLatents(batch, first + i));
					Batch b = sampleBatch(batch, name, tokens, init.size() == 1 ? init.get(0) : NDArrays.concat(init),
						cancel);
					for (int i = 0; i < count; i++) {
						NDArray image = b.images().get(i).expandDims(0);
						image.attach(m);
						images.add(image);
						names.add(imageName(name, first + i));
					}
					heats.addAll(b.heatMaps());
				}
				progress.progress("support image", first + count, n);
			}
			done = true;
			return new SupportSet(name, images, heats, names);
		}
		finally {
			if (!done) images.forEach(NDArray::close);
		}
	}

	/**
	 * One batch of support images of a class from given initial latents.
	 * @param latents the final (scaled) latents [B, C, h, w]
	 * @param images the decoded images [B, 3, H, W] in [0, 1]
	 * @param heatMaps the attribution heat map of each image at the image size
	 */
	public record Batch(NDArray latents, NDArray images, List<HeatMap> heatMaps) {}

	/**
	 * Samples one batch with the class's prompt from {@code initLatents} [B, C, h, w] (not modified); the arrays are
	 * created in {@code m}.
	 * @throws CancellationException when {@code cancel} is cancelled
	 */
	public Batch sampleBatch(NDManager m, String className, NDArray initLatents, CancelToken cancel) {
		return sampleBatch(m, ClassNames.clean(className), classTokens(className), initLatents, cancel);
	}

	private Batch sampleBatch(NDManager m, String name, int[] tokens, NDArray initLatents, CancelToken cancel) {
		int b = (int) initLatents.getShape().get(0);
		int h = (int) initLatents.getShape().get(2) * sd.latentScale(), w = (int) initLatents.getShape().get(3) *
			sd.latentScale();
		TextToImage pipeline = new TextToImage(sd);
		TextToImage.Settings settings = new TextToImage.Settings(sampling.steps(), (float) sampling.guidance(), SCHEDULER,
			h, w);
		try (NDManager run = m.newSubManager(sd.device);
			AttributionMap attribution = new AttributionMap(run, tokens, true, attributionSize))
		{
			NDArray states = sd.encodeText(run, List.of(sampling.negativePrompt(), sampling.prompt(name)));
			NDArray context = states.get("0:1").repeat(0, b).concat(states.get("1:2").repeat(0, b), 0);
			NDArray init = initLatents.toDevice(sd.device, true);
			init.attach(run);
			NDArray latents;
			NDList decoded = new NDList();
			List<HeatMap> heats;
			try {
				latents = pipeline.sample(run, context, init, settings, attribution, ProgressListener.NONE, cancel, null);
				heats = attribution.heatMaps(h, w);
				for (int i = 0; i < b; i++) { // one at a time: the VAE decoder's activations are large
					cancel.check();
					decoded.add(pipeline.decode(run, latents.get(i + ":" + (i + 1))));
				}
			}
			catch (NonFiniteException e) { // name the class: the support set is what the user asked for
				throw new NonFiniteException("OVDiff support-set sampling for '" + name + "'", e.stage, e.iteration, e.of,
					e.hint);
			}
			NDArray images = (b == 1 ? decoded.get(0) : NDArrays.concat(decoded)).toType(DataType.FLOAT32, false);
			images.attach(m);
			latents.attach(m);
			return new Batch(latents, images, heats);
		}
	}
}
