package org.diffseg.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.diffseg.eval.Evaluation;
import org.diffseg.eval.OvDiffMethod;
import org.diffseg.eval.PeekabooMethod;
import org.diffseg.eval.SegmentationMethod;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.run.DiffSegException;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.synth.LabelledImage;
import org.diffseg.synth.SceneDataset;

/**
 * Evaluate, the use case: a method run on every image of a dataset folder, scored beside two baselines; writes the
 * predicted masks, predictions.json, metrics.json, report.md and montage.png to the output folder.
 */
public final class EvalTask extends ModelTask {

	public EvalTask(ModelSource models) {
		super(models);
	}

	/**
	 * @throws DiffSegException for what the user can fix (an unknown method, an output path that is a file, an empty
	 * dataset, a setting the dataset cannot give)
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled
	 */
	public Evaluation.Result run(EvalSettings s, ProgressListener progress, CancelToken cancel) throws IOException {
		String method = s.method() == null ? "" : s.method().toLowerCase(Locale.ROOT);
		if (!method.equals("peekaboo") && !method.equals("ovdiff")) throw DiffSegException.setting("method",
			"unknown method '" + s.method() + "'", "use peekaboo or ovdiff");
		if (Files.exists(s.out()) && !Files.isDirectory(s.out())) throw DiffSegException.setting("output folder",
			s.out() + " is a file", "give a folder");
		List<LabelledImage> data = SceneDataset.read(s.dataset());
		if (s.limit() != null) {
			if (s.limit() < 1) throw DiffSegException.setting("limit", "the limit must be at least 1", "give 1 or more");
			data = data.subList(0, Math.min(s.limit(), data.size()));
		}
		if (data.isEmpty()) throw DiffSegException.setting("dataset", s.dataset() + ": scenes.json lists no images",
			"list the images and their masks in scenes.json");
		if (method.equals("peekaboo") && s.peekaboo().representation().equals("guided bilateral"))
			throw DiffSegException.setting("representation", "'guided bilateral' needs a guide per image, which a " +
				"dataset does not give", "use another representation");
		Evaluation evaluation = new Evaluation(s.colourDistance()).context("dataset", s.dataset().toString())
			.context("model", s.model().toString());
		if (s.model().toAbsolutePath().normalize().endsWith(Path.of("models", "tiny-sd-a")))
			evaluation.note("the model is the shipped tiny-sd-a, whose weights are random: these numbers test the " +
				"evaluation's mechanics and say nothing about the method. Evaluate a trained model.");
		StableDiffusion sd = stableDiffusion(s.model(), cancel);
		evaluation.context("device", sd.device.toString());
		evaluation.context("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
		SegmentationMethod m;
		try {
			m = method.equals("peekaboo") ? new PeekabooMethod(sd, s.peekaboo(), s.vaeCheckpointing()) :
				new OvDiffMethod(sd, s.bank() != null ? s.bank() : s.out().resolve("bank"), s.ovdiff());
			return evaluation.run(data, m, s.out(), progress, cancel);
		}
		catch (IllegalArgumentException e) {
			throw DiffSegException.setting(method, e.getMessage(), "change the setting it names");
		}
	}
}
