package org.diffseg.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import ij.ImagePlus;
import ij.gui.Roi;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.diffseg.img.ImageInputs;
import org.diffseg.img.MaskRois;
import org.diffseg.img.ResultImages;
import org.diffseg.img.RgbPlanes;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffseg ovdiff}: segment an image against classes of a prototype bank. */
@Command(name = "ovdiff", mixinStandardHelpOptions = true,
	description = "Segment an image with OVDiff against classes of a prototype bank (built with 'diffseg prototypes'): " +
		"label image, class table, score maps, ROIs and explanations.")
public final class OvDiffCommand implements Callable<Integer> {

	@Option(names = "--model", description = "Stable Diffusion folder the bank was built with (default: the shipped " +
		"tiny model).")
	Path model;

	@Option(names = "--bank", required = true, description = "Prototype bank folder.")
	Path bank;

	@Option(names = "--image", required = true, description = "Image file (TIFF, PNG, JPEG; grey, RGB, 8/16/32-bit).")
	Path image;

	@Option(names = "--class", description = "A class to segment; repeat for several (default: every class in the bank).")
	List<String> classes = new ArrayList<>();

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Option(names = "--stuff", description = "Treat this class as stuff here (no background prototypes); repeatable.")
	List<String> stuff = new ArrayList<>();

	@Option(names = "--thing", description = "Treat this class as a thing here; repeatable.")
	List<String> things = new ArrayList<>();

	@Option(names = "--shorter-side", defaultValue = "448", description = "The image's shorter side is resized to this " +
		"before the windows slide (default 448; 0 keeps the size).")
	int shorterSide;

	@Option(names = "--pamr", description = "Refine the score maps with PAMR before labelling (the paper's optional " +
		"post-processing: sharper boundaries, about 2 mIoU more on VOC; a few seconds more on the CPU).")
	boolean pamr;

	@Option(names = "--n", description = "Use the prototypes built from this many support images (when the bank holds " +
		"several settings).")
	Integer n;

	@Option(names = "--steps", description = "Use the prototypes built with this many steps.")
	Integer steps;

	@Option(names = "--seed", description = "Use the prototypes built with this seed.")
	Long seed;

	@Option(names = "--parts", description = "Use the prototypes built with this many parts.")
	Integer parts;

	@Mixin
	DeviceOptions device;

	@Mixin
	VitOptions vit;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		ImagePlus imp = ImageFiles.open(image);
		RgbPlanes input;
		try {
			input = ImageInputs.rgb(imp, null, 0, 0);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(image + ": " + e.getMessage());
		}
		PrintWriter err = spec.commandLine().getErr();
		Path modelDir = model != null ? model : DefaultModel.folder();
		Map<String, String> required = new LinkedHashMap<>();
		if (n != null) required.put("support_images", n.toString());
		if (steps != null) required.put("steps", steps.toString());
		if (seed != null) required.put("seed", seed.toString());
		if (parts != null) required.put("parts", parts.toString());
		long start = System.nanoTime();
		try (StableDiffusion sd = StableDiffusion.load(modelDir, device.device(), device.dtype());
			VitOptions.Loaded vits = vit.open(sd.device, device.dtype());
			NDManager m = NDManager.newBaseManager(sd.device); OutputFolder folder = new OutputFolder(out))
		{
			long loaded = System.nanoTime();
			OvDiff.Segmentation seg;
			PrototypeBank b;
			List<String> names;
			FeatureExtractor.Ensemble features;
			OvDiff.Settings settings;
			try {
				Segmenter.Settings d = Segmenter.Settings.defaults();
				settings = PrototypesCommand.withStuff(OvDiff.Settings.defaults(), stuff, things).withSegmentation(
					new Segmenter.Settings(shorterSide, d.windows(), d.stride(), d.wholeImage(), d.stuffFilter(), pamr));
				b = OvDiff.findBank(bank, sd, classes, required);
				String size = b.settings().getOrDefault("image_size", "native");
				List<FeatureExtractor> members = new ArrayList<>();
				members.add(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP,
					size.equals("native") ? 0 : Integer.parseInt(size)));
				members.addAll(vits.extractors()); // averaged with SD's similarity maps (the paper's ensemble)
				features = new FeatureExtractor.Ensemble(members);
				names = classes.isEmpty() ? OvDiff.vocabulary(b, features) : classes;
				for (String kind : OvDiff.unusedExtractors(b, names, features)) err.println("note: the bank also " +
					"holds " + kind.toUpperCase(java.util.Locale.ROOT) + " prototypes of these classes: add --" + kind +
					" DIR to average its features in (the paper's ensemble)");
				NDArray x = input.toNDArray(m).expandDims(0);
				seg = new OvDiff().segment(x, b, names, features, settings, vits.filter(), (c, stage, done, total) -> {
					err.printf("window %d/%d%n", done, total);
					err.flush();
				});
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			long done = System.nanoTime();
			Segmenter.Result r = seg.result();
			int w = r.width(), h = r.height(), labels = r.labels().size();
			long[] pixels = new long[labels];
			for (int l : r.labelImage()) pixels[l]++;
			ImageFiles.save(folder.file("labels.tif"), ResultImages.labelImage("labels", r.labelImage(), w, h,
				imp.getCalibration()));
			StringBuilder csv = new StringBuilder("label,name,pixels\n");
			for (int l = 0; l < labels; l++) csv.append(l).append(',').append(csv(r.labels().get(l))).append(',')
				.append(pixels[l]).append('\n');
			Files.writeString(folder.file("classes.csv"), csv, StandardCharsets.UTF_8);
			ImageFiles.save(folder.file("scores.tif"), ResultImages.floatMaps("scores", List.of(r.scores()), r.labels(),
				w, h, imp.getCalibration()));
			List<Roi> rois = new ArrayList<>();
			for (int l = 1; l < labels; l++) {
				Roi roi = MaskRois.fromLabels(r.labelImage(), w, h, l, r.labels().get(l));
				if (roi != null) rois.add(roi);
			}
			MaskRois.writeZip(folder.file("rois.zip"), rois);
			var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
				.create();
			Files.writeString(folder.file("explain.json"), gson.toJson(explain(seg, pixels)));
			JsonObject json = new JsonObject();
			json.addProperty("image", image.toString());
			json.addProperty("width", w);
			json.addProperty("height", h);
			json.addProperty("model", modelDir.toString());
			json.addProperty("model_identity", sd.identity());
			json.addProperty("device", sd.device.toString());
			json.addProperty("bank", bank.toString());
			json.add("bank_settings", gson.toJsonTree(b.settings()));
			json.add("extractors", gson.toJsonTree(r.extractors()));
			json.add("labels", gson.toJsonTree(r.labels()));
			json.add("stuff", gson.toJsonTree(seg.stuff()));
			json.add("segmentation", gson.toJsonTree(settings.segmentation()));
			if (seg.filter() != null) json.add("category_filter", categoryFilter(seg.filter()));
			JsonObject timings = new JsonObject();
			timings.addProperty("load_s", (loaded - start) / 1e9);
			timings.addProperty("segment_s", (done - loaded) / 1e9);
			json.add("timings", timings);
			json.add("files", gson.toJsonTree(List.of("labels.tif", "classes.csv", "scores.tif", "rois.zip",
				"explain.json")));
			Files.writeString(folder.file("result.json"), gson.toJson(json));
			folder.commit();
			spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
		}
		return DiffSegCli.EXIT_OK;
	}

	/**
	 * Per label, the prototypes that won its pixels (per extractor), most pixels first, each with its class, region
	 * (foreground/background), kind and origin (support image and part).
	 */
	static JsonObject explain(OvDiff.Segmentation seg, long[] pixels) {
		Segmenter.Result r = seg.result();
		JsonArray labels = new JsonArray();
		for (int l = 0; l < r.labels().size(); l++) {
			JsonObject label = new JsonObject();
			label.addProperty("label", l);
			label.addProperty("name", r.labels().get(l));
			label.addProperty("pixels", pixels[l]);
			if (l > 0) label.addProperty("stuff", seg.stuff().get(r.labels().get(l)));
			JsonArray byExtractor = new JsonArray();
			for (int e = 0; e < r.extractors().size(); e++) {
				Map<Integer, Long> wins = new LinkedHashMap<>();
				int[] winners = r.winners()[e];
				for (int i = 0; i < winners.length; i++) if (r.labelImage()[i] == l && winners[i] >= 0)
					wins.merge(winners[i], 1L, Long::sum);
				JsonArray list = new JsonArray();
				List<Map.Entry<Integer, Long>> sorted = new ArrayList<>(wins.entrySet());
				sorted.sort(Map.Entry.<Integer, Long>comparingByValue(Comparator.reverseOrder())
					.thenComparing(Map.Entry.comparingByKey()));
				for (Map.Entry<Integer, Long> win : sorted) {
					Segmenter.PrototypeRef p = r.prototypes().get(e).get(win.getKey());
					JsonObject o = new JsonObject();
					o.addProperty("prototype", win.getKey());
					o.addProperty("pixels", win.getValue());
					o.addProperty("class", p.className());
					o.addProperty("region", p.foreground() ? "foreground" : "background");
					o.addProperty("kind", p.origin().kind().name().toLowerCase(Locale.ROOT));
					if (p.origin().supportImage() >= 0) {
						o.addProperty("support_image", p.origin().supportImage());
						List<String> names = seg.supportImages().get(p.className());
						if (names != null && p.origin().supportImage() < names.size())
							o.addProperty("support_image_name", names.get(p.origin().supportImage()));
					}
					if (p.origin().part() >= 0) o.addProperty("part", p.origin().part());
					o.addProperty("prototype_pixels", p.origin().pixels());
					list.add(o);
				}
				JsonObject x = new JsonObject();
				x.addProperty("extractor", r.extractors().get(e));
				x.add("winners", list);
				byExtractor.add(x);
			}
			label.add("extractors", byExtractor);
			labels.add(label);
		}
		JsonObject root = new JsonObject();
		root.addProperty("about", "per label, the prototypes that matched its pixels best (per extractor); a part " +
			"prototype's pixels in the support images are the bank file's part_labels");
		root.add("labels", labels);
		return root;
	}

	/** What CLIP's category filter decided: per thing class its probability, and the winning prompt. */
	static JsonObject categoryFilter(CategoryFilter.Result f) {
		JsonObject o = new JsonObject();
		JsonArray things = new JsonArray();
		for (int i = 0; i < f.things().size(); i++) {
			JsonObject t = new JsonObject();
			t.addProperty("class", f.things().get(i));
			t.addProperty("cosine", f.cosines()[i]);
			t.addProperty("probability", f.probabilities()[i]);
			t.addProperty("kept", f.selected().contains(f.things().get(i)));
			things.add(t);
		}
		o.add("things", things);
		JsonArray stuff = new JsonArray();
		f.stuff().forEach(stuff::add);
		o.add("stuff_bypassed", stuff);
		if (f.best() >= 0) o.addProperty("best_prompt", f.prompts().get(f.best()));
		o.addProperty("prompts_scored", f.prompts().size());
		o.addProperty("fallback", f.fallback());
		JsonArray selected = new JsonArray();
		f.selected().forEach(selected::add);
		o.add("selected", selected);
		return o;
	}

	private static String csv(String s) {
		return s.matches("[^,\"\\n\\r]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
	}
}
