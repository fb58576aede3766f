package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.eval.Baselines;
import org.diffseg.eval.Evaluation;
import org.diffseg.options.PeekabooOptions;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.task.EvalSettings;
import org.diffseg.task.EvalTask;
import org.diffseg.task.LoadedModels;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code diffseg eval}: a method against the truth of a dataset folder, beside the whole-image and colour baselines. */
@Command(name = "eval", mixinStandardHelpOptions = true,
	description = "Evaluate Peekaboo or OVDiff on a dataset folder (scenes.json, as `diffseg synth` writes or as you " +
		"annotate your own images): predicted masks, predictions.json, per-object IoU and Dice, mIoU beside two " +
		"baselines (whole image; colour threshold knowing the colour word), report.md and montage.png. Method " +
		"settings default to the engines' defaults.")
public final class EvalCommand extends ModelCommand {

	@Option(names = "--method", required = true, description = "peekaboo or ovdiff.")
	String method;

	@Option(names = "--dataset", required = true, description = "Dataset folder with scenes.json.")
	Path dataset;

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Option(names = "--limit", description = "Evaluate only the first N images.")
	Integer limit;

	@Option(names = "--colour-distance", description = "RGB distance of the colour baseline (default " +
		Baselines.DEFAULT_COLOUR_DISTANCE + ").")
	Double colourDistance;

	/** Peekaboo's defaults, from the engine's builder (the one place they are written). */
	private static final PeekabooSettings PEEKABOO = PeekabooSettings.defaults();

	@Option(names = "--representation", description = "Peekaboo: raster | raster bilateral | fourier | fourier " +
		"bilateral (default: " + PeekabooOptions.MODEL + "${DEFAULT-VALUE}); guided bilateral is not available here.")
	String representation = PEEKABOO.representation();

	@Option(names = "--threshold", description = "Peekaboo: mask threshold on alpha (default: " + PeekabooOptions.MODEL + "${DEFAULT-VALUE}).")
	float threshold = PEEKABOO.threshold();

	@Option(names = "--batch", description = "Peekaboo: composites per prompt and iteration (default ${DEFAULT-VALUE}).")
	int batch = PEEKABOO.batchSize();

	/** --iterations, --size, --composite-size, --learning-rate, --gravity, --guidance, --seed: as for peekaboo. */
	@Mixin
	PeekabooOptions peekaboo;

	@Option(names = "--vae-backward", description = "Peekaboo: full (keep the VAE encoder's graph: faster) or " +
		"checkpointed (recompute its stages: less memory); default: checkpointed, which keeps the graph of the stages " +
		"whose inputs are small (all of them for 64 px composites).")
	String vaeBackward;

	@Option(names = "--bank", description = "OVDiff: prototype bank folder, built once for the dataset's vocabulary " +
		"and reused (default: OUT/bank).")
	Path bank;

	@Option(names = "--support-images", description = "OVDiff: support images per class (engine default 32).")
	Integer supportImages;

	@Option(names = "--steps", description = "OVDiff: sampling steps per support image (engine default 30).")
	Integer steps;

	@Option(names = "--support-size", description = "OVDiff: support image size (engine default: the model's).")
	Integer supportSize;

	@Option(names = "--parts", description = "OVDiff: K-means part prototypes (engine default 32).")
	Integer parts;

	@Option(names = "--shorter-side", description = "OVDiff: the image's shorter side is resized to this before the " +
		"windows slide (engine default 448; 0 keeps the size).")
	Integer shorterSide;

	@Option(names = "--threads", description = "CPU threads of the native engine (default: its own choice, one per " +
		"core). 1 is much faster where other processes compete for the cores (its threads otherwise spin waiting for " +
		"each other).")
	Integer threads;

	@Override
	public Integer call() throws Exception {
		Path modelDir = modelFolder();
		if (threads != null) {
			if (threads < 1) throw new UserError("--threads must be at least 1.");
			ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library that takes the setting
			ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
		}
		boolean peekaboo = method.toLowerCase(Locale.ROOT).equals("peekaboo");
		PeekabooSettings ps;
		OvDiff.Settings os;
		try {
			ps = peekaboo ? peekabooSettings(modelDir) : null;
			os = peekaboo ? null : ovdiffSettings();
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
		EvalSettings settings = new EvalSettings(dataset, modelDir, method, limit, colourDistance == null ?
			Baselines.DEFAULT_COLOUR_DISTANCE : colourDistance, ps, vaeCheckpointing(), os, bank, out);
		ProgressBar bar = new ProgressBar(err());
		Evaluation.Result r;
		try (LoadedModels models = models()) {
			r = new EvalTask(models).run(settings, bar, CancelToken.none());
		}
		finally {
			bar.finish();
		}
		PrintWriter o = out();
		for (Evaluation.Summary s : r.summaries()) {
			if (s.objects() == 0) continue; // e.g. no scene where two objects share a colour
			o.printf(Locale.ROOT, "%s (%d objects): %s mIoU %.3f | whole image %.3f | colour threshold %.3f%n",
				s.subset(), s.objects(), r.method(), s.miou(), s.wholeMiou(), s.colourMiou());
		}
		o.printf(Locale.ROOT, "%d images in %.1f s; wrote %s%n", r.images(), r.seconds(),
			out.resolve("report.md").toAbsolutePath());
		return DiffSegCli.EXIT_OK;
	}

	/** The model's recommendations, then the options given, as for {@code diffseg peekaboo}. */
	private PeekabooSettings peekabooSettings(Path modelDir) throws java.io.IOException {
		PeekabooSettings.Builder b = peekaboo.builder(modelDir).batchSize(batch);
		if (peekaboo.given("--representation")) b.representation(representation);
		if (peekaboo.given("--threshold")) b.threshold(threshold);
		return b.build();
	}

	private Boolean vaeCheckpointing() {
		if (vaeBackward == null) return null;
		return switch (vaeBackward) {
			case "full" -> false;
			case "checkpointed" -> true;
			default -> throw new UserError("--vae-backward must be full or checkpointed, not '" + vaeBackward + "'.");
		};
	}

	private OvDiff.Settings ovdiffSettings() {
		OvDiff.Settings s = OvDiff.Settings.defaults();
		SupportSet.Sampling sampling = s.sampling();
		if (supportImages != null) sampling = sampling.withImages(supportImages);
		if (steps != null) sampling = sampling.withSteps(steps);
		if (supportSize != null) sampling = sampling.withSize(supportSize);
		s = s.withSampling(sampling);
		if (parts != null) s = s.withParts(parts);
		if (shorterSide != null) {
			Segmenter.Settings d = s.segmentation();
			s = s.withSegmentation(new Segmenter.Settings(shorterSide, d.windows(), d.stride(), d.wholeImage(),
				d.stuffFilter(), d.pamr()));
		}
		return s;
	}

	/**
	 * One line redrawn in place: a bar over the images, the current image and its step, the time left. The evaluation's
	 * ("image", done, n) steps move the bar; the method's steps inside an image (or while building the vocabulary) are
	 * shown after it.
	 */
	static final class ProgressBar implements ProgressListener {
		private final PrintWriter err;
		private final long start = System.nanoTime();
		private long lastDraw;
		private boolean drawn;
		private int done, images;

		ProgressBar(PrintWriter err) {
			this.err = err;
		}

		@Override
		public void progress(String stage, int d, int t) {
			if (stage.equals(Evaluation.IMAGE)) {
				done = d;
				images = t;
				draw("", 0, 0);
			}
			else draw(stage, d, t);
		}

		private void draw(String what, int step, int steps) {
			long now = System.nanoTime();
			if (now - lastDraw < 200_000_000L && done < images && step != steps) return;
			lastDraw = now;
			int width = 30, filled = images == 0 ? 0 : (int) Math.round(width * (done + (steps > 0 ?
				(double) step / steps : 0)) / images);
			double elapsed = (now - start) / 1e9;
			String eta = done > 0 && done < images ? String.format(Locale.ROOT, ", %.0f s left", elapsed / done *
				(images - done)) : "";
			String inner = what.isEmpty() ? "" : ", " + what + (steps > 0 ? String.format(Locale.ROOT, " %d/%d", step,
				steps) : "");
			err.printf(Locale.ROOT, "\r[%s%s] %d/%d images%s, %.0f s%s   ", "#".repeat(Math.min(width, filled)),
				"-".repeat(Math.max(0, width - filled)), done, images, inner, elapsed, eta);
			err.flush();
			drawn = true;
		}

		void finish() {
			if (drawn) err.println();
			err.flush();
		}
	}
}
