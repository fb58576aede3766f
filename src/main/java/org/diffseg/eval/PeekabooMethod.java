package org.diffseg.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.img.RgbPlanes;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.synth.RgbImage;

/**
 * Peekaboo under evaluation: one run per image with all its prompts (one alpha channel each, optimised together), the
 * masks at the settings' threshold. The settings are the engine's; nothing here knows the synthetic world.
 */
public final class PeekabooMethod implements SegmentationMethod {
	private final Peekaboo peekaboo;
	private final PeekabooSettings settings;
	private final boolean checkpointing;

	/**
	 * @param vaeCheckpointing whether the VAE's backward recomputes the encoder from checkpoints (less memory) or keeps
	 * its graph (faster); null: as Peekaboo chooses by the size of the composites (small ones keep the graph of their
	 * low-resolution stages, see {@code AutoencoderKL.CHECKPOINT_INPUT_BYTES})
	 */
	public PeekabooMethod(StableDiffusion sd, PeekabooSettings settings, Boolean vaeCheckpointing) {
		this.peekaboo = new Peekaboo(sd);
		this.settings = settings.withTimelapseEvery(0);
		this.checkpointing = vaeCheckpointing == null || vaeCheckpointing;
		peekaboo.vaeCheckpointing(checkpointing);
	}

	@Override
	public String name() {
		return "peekaboo";
	}

	@Override
	public Map<String, Object> settings() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("representation", settings.representation());
		m.put("size", settings.size());
		m.put("composite_size", settings.compositeSize());
		m.put("iterations", settings.iterations());
		m.put("learning_rate", settings.learningRate());
		m.put("gravity", settings.gravity());
		m.put("guidance", settings.guidance());
		m.put("batch_size", settings.batchSize());
		m.put("threshold", settings.threshold());
		m.put("square", settings.square());
		m.put("seed", settings.seed());
		m.put("vae_backward", checkpointing ? "checkpointed" : "full");
		m.put("prompts_per_run", "all prompts of an image together");
		return m;
	}

	@Override
	public List<boolean[]> segment(RgbImage image, List<String> prompts, ProgressListener progress,
		CancelToken cancel)
	{
		Peekaboo.Segmentation s = peekaboo.segment(planes(image), null, prompts, settings, progress, cancel);
		List<boolean[]> masks = new ArrayList<>();
		for (byte[] mask : s.mask()) {
			boolean[] m = new boolean[mask.length];
			for (int i = 0; i < m.length; i++) m[i] = mask[i] != 0;
			masks.add(m);
		}
		return masks;
	}

	/** Packed RGB as the engines' float planes in [0, 1]. */
	static RgbPlanes planes(RgbImage image) {
		int n = image.width() * image.height();
		float[] data = new float[3 * n];
		for (int i = 0; i < n; i++) {
			int p = image.rgb()[i];
			data[i] = (p >> 16 & 0xFF) / 255f;
			data[n + i] = (p >> 8 & 0xFF) / 255f;
			data[2 * n + i] = (p & 0xFF) / 255f;
		}
		return new RgbPlanes(image.width(), image.height(), data);
	}
}
