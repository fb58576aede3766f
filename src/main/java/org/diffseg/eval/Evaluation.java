package org.diffseg.eval;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.synth.LabelledImage;
import org.diffseg.synth.LabelledObject;
import org.diffseg.synth.RgbImage;
import org.diffseg.synth.SceneDataset;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * Runs a {@link SegmentationMethod} over a dataset folder and measures it against the truth, beside two baselines
 * computed the same way ({@link Baselines}: the whole image, and a colour threshold that knows the prompt's colour
 * word). Writes into the output folder:
 * <ul>
 * <li>{@code masks/}: the predicted masks, 0/255 8-bit PNG at the image's size;</li>
 * <li>{@code predictions.json}: a list of {"image", "prompt", "mask" (relative to the output folder)};</li>
 * <li>{@code metrics.json}: per object IoU and Dice of the method and the baselines, and the summaries;</li>
 * <li>{@code report.md}: the summary tables (all objects, and the scenes where two objects share a colour) and the
 * per-object table;</li>
 * <li>{@code montage.png}: per object, the image, the truth and the prediction (outside the mask dimmed).</li>
 * </ul>
 */
public final class Evaluation {

	/** The stage of the images' progress, and the prefix of the steps of {@link SegmentationMethod#prepare}. */
	public static final String IMAGE = "image", PREPARING = "building the vocabulary, ";


	/** One object's scores: the method's and the baselines'. */
	public record ObjectScore(String image, String prompt, String colour, boolean sharedColour, String mask, int area,
		double iou, double dice, double wholeIou, double wholeDice, double colourIou, double colourDice) {}

	/** Mean scores over a subset of the objects. */
	public record Summary(String subset, int images, int objects, double miou, double dice, double wholeMiou,
		double wholeDice, double colourMiou, double colourDice) {}

	/** The outcome of a run. */
	public record Result(String method, List<ObjectScore> objects, List<Summary> summaries, double seconds,
		int images) {}

	public static final String SHARED_COLOUR = "scenes where two objects share a colour";

	private final double colourDistance;
	private final List<String> notes = new ArrayList<>();
	private final Map<String, Object> context = new LinkedHashMap<>();

	/** @param colourDistance the colour baseline's distance ({@link Baselines#DEFAULT_COLOUR_DISTANCE}) */
	public Evaluation(double colourDistance) {
		this.colourDistance = colourDistance;
	}

	/** A line for the report (e.g. that the model has random weights). */
	public Evaluation note(String line) {
		notes.add(line);
		return this;
	}

	/** A fact for the report and metrics.json (model, device, dataset). */
	public Evaluation context(String key, Object value) {
		context.put(key, value);
		return this;
	}

	/**
	 * Segments every image of {@code data} with {@code method} and writes the outputs into {@code out}.
	 * @param progress told ("image", done, n) before and after every image; the method's own steps come prefixed with
	 * "building the vocabulary, " or "image i/n (file name), "
	 * @throws CancellationException when {@code cancel} is cancelled (outputs are incomplete)
	 */
	public Result run(List<LabelledImage> data, SegmentationMethod method, Path out, ProgressListener progress,
		CancelToken cancel) throws IOException
	{
		long start = System.nanoTime();
		Files.createDirectories(out.resolve("masks"));
		List<String> allPrompts = new ArrayList<>();
		for (LabelledImage image : data) for (LabelledObject o : image.objects()) allPrompts.add(o.prompt());
		int n = data.size();
		progress.progress(IMAGE, 0, n);
		method.prepare(allPrompts, progress.prefixed(PREPARING), cancel);
		List<ObjectScore> scores = new ArrayList<>();
		JsonArray predictions = new JsonArray();
		Montage montage = new Montage();
		Set<String> names = new HashSet<>();
		for (int i = 0; i < n; i++) {
			cancel.check();
			LabelledImage image = data.get(i);
			String name = image.image().getFileName().toString();
			RgbImage rgb = SceneDataset.readRgb(image.image());
			int pixels = rgb.width() * rgb.height();
			List<String> prompts = new ArrayList<>();
			List<boolean[]> truths = new ArrayList<>();
			for (LabelledObject o : image.objects()) {
				boolean[] t = SceneDataset.readMask(o.mask());
				if (t.length != pixels) throw new IOException(o.mask() + ": the mask is not the size of its image " +
					name + " (" + rgb.width() + "x" + rgb.height() + ").");
				prompts.add(o.prompt());
				truths.add(t);
			}
			if (prompts.isEmpty()) continue;
			progress.progress(IMAGE, i, n);
			List<boolean[]> predicted = method.segment(rgb, prompts, progress.prefixed(IMAGE + " " + (i + 1) + "/" + n +
				" (" + name + "), "), cancel);
			if (predicted.size() != prompts.size()) throw new IllegalStateException(method.name() + " gave " +
				predicted.size() + " masks for " + prompts.size() + " prompts");
			List<String> colours = new ArrayList<>();
			for (String p : prompts) colours.add(Baselines.colourWord(p));
			boolean shared = colours.stream().filter(c -> c != null).distinct().count() <
				colours.stream().filter(c -> c != null).count();
			String stem = stem(name);
			if (!names.add(stem)) {
				stem = String.format("%04d-%s", i, stem);
				names.add(stem);
			}
			boolean[] whole = Baselines.wholeImage(pixels);
			for (int k = 0; k < prompts.size(); k++) {
				boolean[] truth = truths.get(k), prediction = predicted.get(k);
				if (prediction.length != pixels) throw new IllegalStateException(method.name() + " gave a mask of " +
					prediction.length + " pixels for " + name + " (" + pixels + ")");
				String maskPath = "masks/" + stem + "-" + k + ".png";
				SceneDataset.writeMask(out.resolve(maskPath), prediction, rgb.width(), rgb.height());
				boolean[] colourMask = Baselines.colourThreshold(rgb.rgb(), colours.get(k), colourDistance);
				int area = 0;
				for (boolean b : truth) if (b) area++;
				scores.add(new ObjectScore(name, prompts.get(k), colours.get(k), shared, maskPath, area,
					Metrics.iou(truth, prediction), Metrics.dice(truth, prediction), Metrics.iou(truth, whole),
					Metrics.dice(truth, whole), Metrics.iou(truth, colourMask), Metrics.dice(truth, colourMask)));
				JsonObject p = new JsonObject();
				p.addProperty("image", data.get(i).image().getFileName().toString());
				p.addProperty("prompt", prompts.get(k));
				p.addProperty("mask", maskPath);
				predictions.add(p);
				montage.add(rgb, truth, prediction);
			}
			progress.progress(IMAGE, i + 1, n);
		}
		List<Summary> summaries = List.of(summary("all objects", scores),
			summary(SHARED_COLOUR, scores.stream().filter(ObjectScore::sharedColour).toList()));
		double seconds = (System.nanoTime() - start) / 1e9;
		Result result = new Result(method.name(), scores, summaries, seconds, n);
		var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
			.create();
		try (Writer w = Files.newBufferedWriter(out.resolve("predictions.json"), StandardCharsets.UTF_8)) {
			gson.toJson(predictions, w);
		}
		Map<String, Object> metrics = new LinkedHashMap<>();
		metrics.put("method", method.name());
		metrics.put("settings", method.settings());
		metrics.putAll(context);
		metrics.put("colour_baseline_distance", colourDistance);
		metrics.put("images", n);
		metrics.put("seconds", seconds);
		metrics.put("summaries", summaries);
		metrics.put("objects", scores);
		Files.writeString(out.resolve("metrics.json"), gson.toJson(metrics), StandardCharsets.UTF_8);
		montage.write(out.resolve("montage.png"));
		Files.writeString(out.resolve("report.md"), report(result, method.settings()), StandardCharsets.UTF_8);
		return result;
	}

	static Summary summary(String subset, List<ObjectScore> s) {
		return new Summary(subset, (int) s.stream().map(ObjectScore::image).distinct().count(), s.size(),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::iou).toArray()),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::dice).toArray()),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::wholeIou).toArray()),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::wholeDice).toArray()),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::colourIou).toArray()),
			Metrics.mean(s.stream().mapToDouble(ObjectScore::colourDice).toArray()));
	}

	private String report(Result r, Map<String, Object> settings) {
		StringBuilder md = new StringBuilder();
		md.append("# Evaluation of ").append(r.method()).append("\n\n");
		for (String line : notes) md.append("> **Note:** ").append(line).append("\n\n");
		for (Map.Entry<String, Object> e : context.entrySet())
			md.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
		md.append(String.format("- images: %d, objects: %d, time: %.1f s (%.2f s per image)%n", r.images(),
			r.objects().size(), r.seconds(), r.images() == 0 ? 0 : r.seconds() / r.images()));
		md.append("- settings: ").append(settings).append("\n");
		md.append(String.format("- colour baseline: nearest palette colour = the prompt's colour word, within RGB " +
			"distance %.0f%n%n", colourDistance));
		md.append("mIoU is the mean over objects of each object's IoU; Dice likewise. A method's number means little " +
			"without its baselines.\n\n");
		md.append("| subset | images | objects | ").append(r.method()).append(" mIoU | ").append(r.method())
			.append(" Dice | whole image mIoU | whole image Dice | colour threshold mIoU | colour threshold Dice |\n");
		md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (Summary s : r.summaries()) md.append(String.format("| %s | %d | %d | %s | %s | %s | %s | %s | %s |%n",
			s.subset(), s.images(), s.objects(), f(s.miou()), f(s.dice()), f(s.wholeMiou()), f(s.wholeDice()),
			f(s.colourMiou()), f(s.colourDice())));
		md.append("\n## Per object\n\n");
		md.append("montage.png shows, per object in this order (left to right, then down), the image, the truth and " +
			"the prediction (outside the mask dimmed).\n\n");
		md.append("| image | prompt | area | shared colour | IoU | Dice | whole IoU | colour IoU | mask |\n");
		md.append("| --- | --- | ---: | :---: | ---: | ---: | ---: | ---: | --- |\n");
		for (ObjectScore o : r.objects()) md.append(String.format("| %s | %s | %d | %s | %s | %s | %s | %s | %s |%n",
			o.image(), o.prompt(), o.area(), o.sharedColour() ? "yes" : "", f(o.iou()), f(o.dice()), f(o.wholeIou()),
			f(o.colourIou()), o.mask()));
		return md.toString();
	}

	private static String f(double v) {
		return Double.isNaN(v) ? "n/a" : String.format("%.3f", v);
	}

	private static String stem(String fileName) {
		int dot = fileName.lastIndexOf('.');
		return dot > 0 ? fileName.substring(0, dot) : fileName;
	}
}
