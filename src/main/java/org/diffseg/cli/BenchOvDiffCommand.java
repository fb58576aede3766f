package org.diffseg.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.options.PrototypeOptions;
import org.diffseg.options.VitOptions;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.Prototypes;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.ovdiff.SupportSetSampler;
import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.task.PrototypesSettings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg bench ovdiff}: seconds per support image and per class, and per segmented image split into feature
 * extraction and matching + windows, as one JSON object. The segmentation matches against {@code --targets} classes
 * that all carry the prototypes of the one class sampled here: matching costs the same as with distinct classes.
 */
@Command(name = "ovdiff", mixinStandardHelpOptions = true,
	description = "Benchmark OVDiff: support-image sampling, prototypes, and segmentation (features vs matching + " +
		"windows); prints JSON.")
public final class BenchOvDiffCommand extends DeviceCommand {

	@Mixin
	BenchModelOption model;

	/** --n, --steps, --size, --batch, --parts, --seed, --splitter, --stuff, --thing, --clip, --dino: as for prototypes. */
	@Mixin
	PrototypeOptions prototypes = new PrototypeOptions(2);

	@Option(names = "--targets", defaultValue = "10", description = "Classes matched when segmenting (default 10).")
	int targets;

	@Option(names = "--image-size", defaultValue = "448", description = "Side of the square image segmented (default 448).")
	int imageSize;

	@Mixin
	RepeatOption repeat = new RepeatOption(1);

	/** The class sampled. */
	private static final String CLASS = "cat";

	/** Accumulates the time spent in the wrapped extractor. */
	static final class TimedExtractor implements FeatureExtractor {
		final FeatureExtractor inner;
		long nanos;
		int calls;

		TimedExtractor(FeatureExtractor inner) {
			this.inner = inner;
		}

		@Override
		public String id() {
			return inner.id();
		}

		@Override
		public int channels() {
			return inner.channels();
		}

		@Override
		public NDArray extract(NDArray image) {
			long start = System.nanoTime();
			NDArray f = inner.extract(image);
			f.getFloat(0, 0, 0); // waits for the device to finish
			nanos += System.nanoTime() - start;
			calls++;
			return f;
		}
	}

	@Override
	public Integer call() throws Exception {
		PrototypesSettings chosen = prototypes.builder().build();
		int n = chosen.supportImages(), batch = chosen.batch(), size = chosen.size();
		if (n < 1 || chosen.steps() < 1 || batch < 1 || targets < 1 || repeat.count < 1 || imageSize < 1)
			throw new UserError("--n, --steps, --batch, --targets, --repeat and --image-size must be at least 1.");
		OvDiff.Settings settings;
		try {
			settings = chosen.ovdiff();
		}
		catch (IllegalArgumentException e) {
			if (e instanceof DiffSegException d) throw d;
			throw new UserError(e.getMessage());
		}
		Map<String, Object> json = new LinkedHashMap<>();
		var err = err();
		try (StableDiffusion sd = load(model.folder);
			VitOptions.Loaded vits = prototypes.vit().open(sd.device, device.dtype());
			NDManager m = NDManager.newBaseManager(sd.device))
		{
			SupportSetSampler sampler;
			TimedExtractor features;
			try {
				sampler = new SupportSetSampler(sd, settings.sampling(), batch, settings.attributionSize(sd));
				features = new TimedExtractor(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP,
					size));
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			putModel(json, model.folder, sd);
			json.put("support_size", sampler.imageSize());
			json.put("feature_grid", ((StableDiffusionFeatures) features.inner).grid());
			json.put("feature_channels", features.channels());
			json.put("n", n);
			json.put("steps", chosen.steps());
			json.put("batch", batch);
			json.put("threads", Runtime.getRuntime().availableProcessors());

			long t0 = System.nanoTime();
			ProgressListener lines = (stage, done, total) -> err.printf("%s %d/%d%n", stage, done, total);
			SupportSet set = sampler.sample(m, CLASS, lines, CancelToken.none());
			long t1 = System.nanoTime();
			List<TimedExtractor> timed = new ArrayList<>(List.of(features));
			for (FeatureExtractor e : vits.extractors()) timed.add(new TimedExtractor(e));
			FeatureExtractor.Ensemble ensemble = new FeatureExtractor.Ensemble(new ArrayList<>(timed));
			List<PrototypeBank.Entry> entries = set.prototypes(m, ensemble, settings.splitter(), settings.isStuff(CLASS),
				settings.parts(), settings.partSeed(), lines, CancelToken.none());
			long t2 = System.nanoTime();
			double sampling = (t1 - t0) / 1e9, prototyping = (t2 - t1) / 1e9;
			json.put("support_s_per_image", round(sampling / n));
			json.put("prototypes_s_per_image", round(prototyping / n));
			json.put("class_s", round(sampling + prototyping));
			json.put("class_s_for_32_images", round((sampling + prototyping) / n * 32));
			Prototypes p = entries.get(0).prototypes();
			json.put("prototypes_per_class", p.fg().size() + p.bg().size());
			Map<String, Prototypes> byExtractor = new LinkedHashMap<>();
			for (PrototypeBank.Entry e : entries) byExtractor.put(e.extractorId(), e.prototypes());

			List<Segmenter.Target> list = new ArrayList<>();
			for (int i = 0; i < targets; i++) list.add(new Segmenter.Target("class " + (i + 1), false, byExtractor));
			Segmenter segmenter = new Segmenter(settings.segmentation());
			NDArray image = set.images().get(0).duplicate();
			image = org.diffseg.sd.nn.Resize.resize(image, imageSize, imageSize, org.diffseg.sd.nn.Resize.Mode.BILINEAR);
			json.put("segment_targets", targets);
			json.put("segment_image", imageSize + "x" + imageSize);
			double[] featureS = new double[repeat.count], totalS = new double[repeat.count];
			double[][] byKind = new double[timed.size()][repeat.count];
			int windows = 0;
			for (int r = -1; r < repeat.count; r++) {
				for (TimedExtractor t : timed) {
					t.nanos = 0;
					t.calls = 0;
				}
				long s0 = System.nanoTime();
				try (NDManager run = m.newSubManager()) {
					NDArray x = image.duplicate();
					x.attach(run);
					Segmenter.Result result = segmenter.segment(x, ensemble, list, ProgressListener.NONE,
						CancelToken.none());
					if (result.labelImage().length != imageSize * imageSize) throw new IllegalStateException("wrong size");
				}
				long s1 = System.nanoTime();
				if (r < 0) continue; // warm-up
				for (int k = 0; k < timed.size(); k++) {
					byKind[k][r] = timed.get(k).nanos / 1e9;
					featureS[r] += byKind[k][r];
				}
				totalS[r] = (s1 - s0) / 1e9;
				windows = features.calls;
				err.printf("segmentation %d/%d: %.2f s (features %.2f s)%n", r + 1, repeat.count, totalS[r], featureS[r]);
			}
			double f = median(featureS), total = median(totalS), matching = total - f;
			json.put("segment_windows", windows);
			json.put("segment_s", round(total));
			json.put("features_s", round(f));
			Map<String, Double> perExtractor = new LinkedHashMap<>();
			for (int k = 0; k < timed.size(); k++) perExtractor.put(OvDiff.extractorKind(timed.get(k).id()),
				round(median(byKind[k])));
			json.put("features_s_by_extractor", perExtractor);
			if (vits.filter() != null) {
				List<String> names = new ArrayList<>();
				for (int i = 0; i < targets; i++) names.add("class " + (i + 1));
				double[] filterS = new double[repeat.count];
				for (int r = -1; r < repeat.count; r++) {
					long c0 = System.nanoTime();
					vits.filter().classify(image, names, org.diffseg.ovdiff.StuffTable.builtIn());
					double seconds = (System.nanoTime() - c0) / 1e9;
					if (r < 0) json.put("category_filter_first_s", round(seconds)); // encodes every prompt
					else filterS[r] = seconds;
				}
				// later images find the prompts in the filter's text cache
				json.put("category_filter_s", round(median(filterS)));
			}
			json.put("matching_windows_s", round(matching));
			json.put("matching_share", Math.round(matching / f * 1000) / 1000.0);
			json.put("peak_rss_bytes", Memory.peakResidentBytes());
			set.images().forEach(NDArray::close);
		}
		return printJson(json);
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static double round(double s) {
		return Math.round(s * 1000) / 1000.0;
	}
}
