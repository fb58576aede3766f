package org.diffseg.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.SafeTensorsWriter;
import org.diffseg.task.ModelRecommendations;

/**
 * Turns a training checkpoint into the shipped model folder: the configs and tokenizer, float16 weights, the loss
 * curve (loss.png) and a model card (README.md).
 */
public final class ModelExport {
	private static final String[] WEIGHTS = { "text_encoder/model.safetensors", "vae/diffusion_pytorch_model.safetensors",
		"unet/diffusion_pytorch_model.safetensors" };

	private ModelExport() {}

	/**
	 * @param reproduce the command that reproduces the run, in the words of the front-end that ran it (this class
	 * names no front-end's flags), or empty to leave it out
	 * @param extra further model-card text (samples, evaluation), may be empty
	 */
	public static void export(Path checkpoint, Path out, Trainer.State state, World world, String reproduce,
		String extra) throws IOException
	{
		Files.createDirectories(out);
		Trainer.copyConfigs(checkpoint, out);
		for (String w : WEIGHTS) half(checkpoint.resolve(w), out.resolve(w));
		LossCurve.write(out.resolve("loss.png"), state.vaeLoss, state.unetLoss);
		String recommended = state.recipe.recommendedSettings();
		if (recommended != null) Files.writeString(out.resolve(ModelRecommendations.FILE), recommended);
		Files.writeString(out.resolve("README.md"), card(out, state, world, reproduce, extra));
	}

	/** Copies a safetensors file with every float32 tensor stored as float16 (other types unchanged). */
	static void half(Path from, Path to) throws IOException {
		SafeTensorsWriter w = new SafeTensorsWriter();
		try (SafeTensors st = SafeTensors.open(from)) {
			for (Map.Entry<String, SafeTensors.TensorInfo> e : st.tensors().entrySet()) {
				SafeTensors.TensorInfo t = e.getValue();
				if (t.dtype() == SafeTensors.Dtype.I64) w.addLongs(e.getKey(), t.shape(), st.readLongs(e.getKey()));
				else w.add(e.getKey(), SafeTensors.Dtype.F16, t.shape(), Net.floats(st.readFloats(e.getKey()), true));
			}
			w.write(to);
		}
	}

	static String card(Path out, Trainer.State s, World world, String reproduce, String extra) throws IOException {
		Recipe r = s.recipe;
		long bytes = 0;
		for (String w : WEIGHTS) bytes += Files.size(out.resolve(w));
		StringBuilder b = new StringBuilder();
		b.append("# ").append(out.getFileName()).append(": a small Stable Diffusion of the shapes world\n\n");
		b.append("A Stable Diffusion (VAE, UNet, CLIP text encoder, CLIP BPE tokenizer) in the diffusers folder layout, ")
			.append("trained from scratch in Java (DJL on PyTorch) by `diffseg train`, so that Peekaboo and OVDiff can be ")
			.append("run and measured on a model that knows its world. It draws and understands only that world.\n\n");
		String data = world.description();
		b.append("## Data\n\n").append(Character.toUpperCase(data.charAt(0))).append(data.substring(1))
			.append(". A fixed pool of ").append(r.pool())
			.append(" scenes from seed ").append(s.seed).append("; left-right mirroring in the VAE stage; the objects of ")
			.append("a caption in random order; ").append(Math.round(r.emptyCaption() * 100))
			.append(" % of the captions empty (for classifier-free guidance).\n\n");
		b.append("## Networks\n\n");
		b.append(String.format("| part | size | parameters |%n| --- | --- | --- |%n"));
		b.append(String.format("| VAE | block_out_channels %s, 1 layer per block, no mid attention, %dx%d px -> %dx%dx4 latent | %.2f M |%n",
			java.util.Arrays.toString(r.vaeChannels()), r.imageSize(), r.imageSize(), r.latentSize(), r.latentSize(),
			s.vaeParameters / 1e6));
		b.append(String.format("| UNet | block_out_channels %s, %d layers per block, heads %s, SD 1.x block layout | %.2f M |%n",
			java.util.Arrays.toString(r.unetChannels()), r.unetLayers(), java.util.Arrays.toString(r.unetHeads()),
			s.unetParameters / 1e6));
		b.append(String.format("| text encoder | CLIP, width %d, %d layers, %d heads, 77 positions | %.2f M |%n",
			r.textWidth(), r.textLayers(), r.textHeads(), s.textParameters / 1e6));
		b.append("\nThe tokenizer is a reduced but valid CLIP BPE vocabulary: the 512 byte-level symbols plus the CLIP ")
			.append("merges that build each word of the world, so every caption word is one token (as in real CLIP) and any ")
			.append("other text still tokenizes. Weights are float16 safetensors, ")
			.append(String.format("%.1f MB in all.%n%n", bytes / 1e6));
		b.append("## Recipe\n\n");
		b.append(String.format("1. VAE: %d steps of %d images, AdamW lr %.0e (warm-up, cosine decay to a tenth), loss = MSE + %.0e x KL; ",
			r.vaeSteps(), r.vaeBatch(), r.vaeLr(), r.klWeight()));
		b.append(String.format("then scaling_factor = 1 / std of the latents = %.4f.%n", s.scalingFactor));
		int done = s.unetLoss.size();
		b.append(String.format("2. UNet + text encoder together: %s of %d latents, DDPM epsilon loss (scaled-linear betas, 1000 steps), ",
			done == r.unetSteps() ? done + " steps" : done + " steps (stopped early; the schedule was planned for " +
			r.unetSteps() + ")", r.unetBatch()));
		if (r.snrWeightCap() > 0) b.append(String.format("each sample's epsilon MSE weighted by min(1 / ᾱ_t, %.0f) " +
			"(the v-prediction loss in epsilon terms, capped, so that the noisy steps where the caption matters count), ",
			r.snrWeightCap()));
		b.append(String.format("AdamW lr %.0e, weight decay %.2g, %d warm-up steps then cosine decay to a tenth, gradient norm clipped at %.1f.%n%n",
			r.unetLr(), r.weightDecay(), r.warmup(), r.clip()));
		b.append(String.format("Training time: VAE %.1f min (%.2f s/step), UNet %.1f min (%.2f s/step), on the CPU ",
			s.vaeSeconds / 60, s.vaeSeconds / Math.max(1, s.vaeLoss.size()), s.unetSeconds / 60,
			s.unetSeconds / Math.max(1, s.unetLoss.size())));
		b.append("(2 shared cores, one PyTorch thread).\n\n");
		if (reproduce != null && !reproduce.isBlank())
			b.append("Reproduce (resumes from the work folder's checkpoint after an interruption):\n\n```\n")
				.append("MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=1000000000 \\\n")
				.append("OMP_NUM_THREADS=1 ").append(reproduce.strip()).append("\n```\n\n");
		b.append("## Losses\n\n![loss curve](loss.png)\n\n");
		b.append("| stage | first 50 steps | last 50 steps |\n| --- | --- | --- |\n");
		b.append(String.format("| VAE reconstruction MSE (images in [-1, 1]) | %.4f | %.4f |%n", first(s.vaeLoss),
			Trainer.mean(s.vaeLoss, 50)));
		b.append(String.format("| UNet epsilon MSE | %.4f | %.4f |%n%n", first(s.unetLoss), Trainer.mean(s.unetLoss, 50)));
		int n = s.unetLoss.size();
		if (n >= 4) {
			b.append("UNet loss over training (mean of 50 steps around each point): ");
			for (int k = 1; k <= 4; k++) {
				int at = n * k / 4;
				b.append(String.format("step %d: %.4f%s", at, Trainer.mean(s.unetLoss.subList(0, at), 50), k < 4 ? ", " : ".\n\n"));
			}
		}
		if (extra != null && !extra.isBlank()) b.append(extra.strip()).append("\n\n");
		b.append("## Licence\n\nThe weights are trained from scratch on synthetic data generated by this project; they are ")
			.append("released under the BSD 2-Clause licence, like the project (LICENSE at the repository root). Made ")
			.append(LocalDate.now(ZoneOffset.UTC)).append(".\n");
		return b.toString();
	}

	private static double first(java.util.List<Float> v) {
		int n = Math.min(50, v.size());
		return Trainer.mean(v.subList(0, n), n);
	}
}
