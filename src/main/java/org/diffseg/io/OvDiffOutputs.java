package org.diffseg.io;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diffseg.img.MaskRois;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.Segmenter;
import org.diffseg.task.OvDiffSegmentResult;
import org.diffseg.task.SourceImage;

/**
 * The files of one OVDiff segmentation of one image, written the same way by the command line and the cluster jobs:
 * label image, class table, score maps, ROIs, explanations and result.json.
 */
public final class OvDiffOutputs {
	/** Every file written, result.json last. */
	public static final List<String> FILES = List.of("labels.tif", "classes.csv", "scores.tif", "rois.zip",
		"explain.json", "result.json");

	private OvDiffOutputs() {}

	/**
	 * Writes the outputs of one segmentation into {@code folder} (published by the caller's commit).
	 *
	 * @param imageFile the input file, as given
	 * @param modelDir the Stable Diffusion folder used
	 * @param bank the prototype bank folder used
	 */
	public static void write(OvDiffSegmentResult r, OutputFolder folder, Path imageFile, Path modelDir, Path bank)
		throws IOException
	{
		ImageFiles.save(folder.file("labels.tif"), r.labelImage("labels"));
		StringBuilder csv = new StringBuilder(r.severalPlanes() ? "plane,label,name,pixels\n" : "label,name,pixels\n");
		for (OvDiffSegmentResult.Row row : r.rows()) csv.append(r.severalPlanes() ? row.plane() + "," : "")
			.append(row.label()).append(',').append(csv(row.name())).append(',').append(row.pixels()).append('\n');
		Files.writeString(folder.file("classes.csv"), csv, StandardCharsets.UTF_8);
		ImageFiles.save(folder.file("scores.tif"), r.scoreImage("scores"));
		MaskRois.writeZip(folder.file("rois.zip"), r.rois());
		var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
			.create();
		List<SourceImage.Plane> used = r.image().planes();
		JsonObject explained = new JsonObject();
		explained.addProperty("about", "per label, the prototypes that matched its pixels best (per extractor); a part " +
			"prototype's pixels in the support images are the bank file's part_labels");
		JsonArray planes = new JsonArray(), filters = new JsonArray(), explainedPlanes = new JsonArray();
		for (int k = 0; k < r.planes().size(); k++) {
			JsonObject plane = new JsonObject();
			plane.addProperty("slice", used.get(k).slice() + 1);
			plane.addProperty("frame", used.get(k).frame() + 1);
			planes.add(plane);
			JsonArray labels = explain(r.planes().get(k), r.pixels(k));
			if (!r.severalPlanes()) explained.add("labels", labels);
			else {
				JsonObject p = plane.deepCopy();
				p.add("labels", labels);
				explainedPlanes.add(p);
			}
			if (r.planes().get(k).filter() != null) filters.add(categoryFilter(r.planes().get(k).filter()));
		}
		if (r.severalPlanes()) explained.add("planes", explainedPlanes);
		Files.writeString(folder.file("explain.json"), gson.toJson(explained));
		OvDiff.Segmentation first = r.planes().get(0);
		JsonObject json = new JsonObject();
		json.addProperty("image", imageFile.toString());
		json.addProperty("width", r.image().width());
		json.addProperty("height", r.image().height());
		json.add("planes", planes);
		json.addProperty("model", modelDir.toString());
		json.addProperty("model_identity", r.modelIdentity());
		json.addProperty("device", r.device());
		json.addProperty("bank", bank.toString());
		json.add("bank_settings", gson.toJsonTree(r.bankSettings()));
		json.add("extractors", gson.toJsonTree(first.result().extractors()));
		json.add("labels", gson.toJsonTree(r.labels()));
		json.add("stuff", gson.toJsonTree(first.stuff()));
		json.add("segmentation", gson.toJsonTree(r.segmentation()));
		if (!filters.isEmpty()) json.add("category_filter", r.severalPlanes() ? filters : filters.get(0));
		JsonObject timings = new JsonObject();
		timings.addProperty("load_s", r.loadNanos() / 1e9);
		timings.addProperty("segment_s", r.segmentNanos() / 1e9);
		json.add("timings", timings);
		json.add("files", gson.toJsonTree(FILES.subList(0, FILES.size() - 1)));
		Files.writeString(folder.file("result.json"), gson.toJson(json));
	}

	/**
	 * Per label, the prototypes that won its pixels (per extractor), most pixels first, each with its class, region
	 * (foreground/background), kind and origin (support image and part).
	 */
	public static JsonArray explain(OvDiff.Segmentation seg, long[] pixels) {
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
		return labels;
	}

	/** What CLIP's category filter decided: per thing class its probability, and the winning prompt. */
	public static JsonObject categoryFilter(CategoryFilter.Result f) {
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
