package org.diffseg.model;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.diffseg.sd.SafeTensors;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A structural check of a local diffusers Stable Diffusion folder (as downloaded from the Hugging Face Hub): per
 * component, which files are present or missing, whether configs are JSON, whether weight files have a valid
 * safetensors header (which also catches truncated downloads), and whether a component only has pickled weights,
 * which DiffSeg refuses to load. It reads headers, never weights; tensor shapes are checked by the model loader.
 */
public final class ModelFolderCheck {

	/** The state of one component. */
	public enum Status {
		OK("ok"), MISSING("MISSING"), PICKLE_ONLY("PICKLE ONLY"), BROKEN("BROKEN");

		public final String label;

		Status(String label) {
			this.label = label;
		}
	}

	/** One expected file: present or not, and what is wrong with it if anything. */
	public record Item(String path, boolean present, String problem) {}

	/** One pipeline component ({@code unet}, {@code vae}, ...) with its files and, when not OK, what to do. */
	public record Component(String name, String className, Status status, List<Item> files, String advice) {
		public Component {
			files = List.copyOf(files);
		}
	}

	/** The whole check. {@link #ok()} when every component is. */
	public record Report(Path folder, String pipelineClass, List<Component> components) {
		public Report {
			components = List.copyOf(components);
		}

		public boolean ok() {
			return components.stream().allMatch(c -> c.status() == Status.OK);
		}

		public List<Component> problems() {
			return components.stream().filter(c -> c.status() != Status.OK).toList();
		}

		/** One line for an error message: every problem component and its advice. */
		public String summary() {
			if (ok()) return folder + " is a complete Stable Diffusion model folder";
			StringBuilder sb = new StringBuilder(folder + " is not a usable diffusers Stable Diffusion folder: ");
			List<Component> problems = problems();
			for (int i = 0; i < problems.size(); i++) {
				if (i > 0) sb.append("; ");
				sb.append(problems.get(i).name()).append(": ").append(problems.get(i).advice());
			}
			return sb.append('.').toString();
		}

		/** The human report: one line per component and its files, then what to do about each problem. */
		public String describe() {
			StringBuilder sb = new StringBuilder();
			sb.append("Model folder ").append(folder).append(": ")
				.append(ok() ? "complete" : problems().size() + " problem(s)")
				.append(pipelineClass == null ? "" : " (" + pipelineClass + ")").append('\n');
			for (Component c : components) {
				sb.append(String.format(Locale.ROOT, "  %-11s %-13s", c.status().label, c.name()));
				if (c.className() != null) sb.append(" [").append(c.className()).append(']');
				sb.append('\n');
				for (Item f : c.files()) {
					sb.append("      ").append(f.present() ? (f.problem() == null ? "present  " : "bad      ") : "missing  ")
						.append(f.path());
					if (f.problem() != null) sb.append(": ").append(f.problem());
					sb.append('\n');
				}
			}
			for (Component c : problems()) sb.append("Fix ").append(c.name()).append(": ").append(c.advice()).append('\n');
			return sb.toString();
		}
	}

	private static final String[] PICKLE_EXTENSIONS = { ".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle" };

	private ModelFolderCheck() {}

	/** Checks {@code folder}; never throws for a bad folder, the report says what is wrong. */
	public static Report check(Path folder) {
		if (!Files.isDirectory(folder)) {
			return new Report(folder, null, List.of(new Component("folder", null, Status.MISSING, List.of(),
				"no such folder; choose the folder that contains model_index.json")));
		}
		List<Component> components = new ArrayList<>();
		Path indexFile = folder.resolve("model_index.json");
		JsonObject index = null;
		String indexProblem = null;
		if (Files.isRegularFile(indexFile)) {
			try {
				index = readJsonObject(indexFile);
			}
			catch (IOException e) {
				indexProblem = e.getMessage();
			}
		}
		boolean indexPresent = Files.isRegularFile(indexFile);
		Status indexStatus = !indexPresent ? Status.MISSING : indexProblem != null ? Status.BROKEN : Status.OK;
		components.add(new Component("model_index", null, indexStatus,
			List.of(new Item("model_index.json", indexPresent, indexProblem)),
			indexStatus == Status.OK ? null : indexAdvice(folder, indexPresent)));

		components.add(component(folder, index, "scheduler", List.of("scheduler/scheduler_config.json"), null));
		components.add(component(folder, index, "text_encoder", List.of("text_encoder/config.json"),
			"text_encoder/model.safetensors"));
		components.add(component(folder, index, "tokenizer", List.of("tokenizer/vocab.json", "tokenizer/merges.txt",
			"tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json"), null));
		components.add(component(folder, index, "unet", List.of("unet/config.json"),
			"unet/diffusion_pytorch_model.safetensors"));
		components.add(component(folder, index, "vae", List.of("vae/config.json"),
			"vae/diffusion_pytorch_model.safetensors"));
		String pipeline = index != null && index.has("_class_name") && index.get("_class_name").isJsonPrimitive() ?
			index.get("_class_name").getAsString() : null;
		return new Report(folder, pipeline, components);
	}

	private static String indexAdvice(Path folder, boolean present) {
		if (present) return "model_index.json is damaged; download it again";
		Path parent = folder.toAbsolutePath().getParent();
		if (parent != null && Files.isRegularFile(folder.resolve("config.json")) &&
			Files.isRegularFile(parent.resolve("model_index.json")))
			return "this is one component's subfolder; choose its parent folder " + parent;
		Path nested = findNestedIndex(folder);
		if (nested != null) return "model_index.json is in " + nested.getParent() + "; choose that folder";
		if (hasSingleFileCheckpoint(folder)) return "this folder holds a single-file checkpoint; DiffSeg needs the " +
			"diffusers folder layout (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/) as " +
			"published on the Hugging Face Hub";
		return "model_index.json is missing; choose the folder of a diffusers model (it holds model_index.json " +
			"and the unet/, vae/, text_encoder/, tokenizer/ and scheduler/ folders)";
	}

	private static Path findNestedIndex(Path folder) {
		try (Stream<Path> s = Files.find(folder, 4, (p, a) -> a.isRegularFile() &&
			p.getFileName().toString().equals("model_index.json")))
		{
			return s.findFirst().orElse(null);
		}
		catch (IOException | java.io.UncheckedIOException e) {
			return null;
		}
	}

	private static boolean hasSingleFileCheckpoint(Path folder) {
		try (Stream<Path> s = Files.list(folder)) {
			return s.map(p -> p.getFileName().toString().toLowerCase(Locale.ROOT))
				.anyMatch(n -> n.endsWith(".safetensors") || n.endsWith(".ckpt"));
		}
		catch (IOException e) {
			return false;
		}
	}

	/** A component: its JSON files, then its weights (safetensors, sharded safetensors, or only pickles). */
	private static Component component(Path folder, JsonObject index, String name, List<String> jsonOrText,
		String weights)
	{
		List<Item> items = new ArrayList<>();
		List<String> missing = new ArrayList<>();
		List<String> broken = new ArrayList<>();
		for (String rel : jsonOrText) {
			Path p = resolve(folder, rel);
			if (!Files.isRegularFile(p)) {
				items.add(new Item(rel, false, null));
				missing.add(rel);
				continue;
			}
			String problem = rel.endsWith(".json") ? jsonProblem(p) : emptyProblem(p);
			items.add(new Item(rel, true, problem));
			if (problem != null) broken.add(rel);
		}
		Status status = Status.OK;
		String advice = null;
		if (weights != null) {
			Path w = resolve(folder, weights);
			Path shardIndex = resolve(folder, weights + ".index.json");
			if (Files.isRegularFile(w)) {
				String problem = safetensorsProblem(w);
				items.add(new Item(weights, true, problem));
				if (problem != null) broken.add(weights);
			}
			else if (Files.isRegularFile(shardIndex)) {
				checkShards(folder, weights, shardIndex, items, missing, broken);
			}
			else {
				items.add(new Item(weights, false, null));
				List<String> pickles = siblings(w.getParent(), n -> isPickle(n));
				List<String> variants = siblings(w.getParent(), n -> n.endsWith(".safetensors"));
				if (!pickles.isEmpty() && variants.isEmpty()) {
					status = Status.PICKLE_ONLY;
					advice = "only pickled weights (" + String.join(", ", pickles) + "), which DiffSeg never loads " +
						"because unpickling can run arbitrary code; download " + weights + " instead (the Hugging " +
						"Face repository of the model offers it)";
				}
				else {
					missing.add(weights);
					if (!variants.isEmpty()) advice = "missing " + weights + " (found " + String.join(", ", variants) +
						": DiffSeg loads the full-precision file " + Path.of(weights).getFileName() + ")";
				}
			}
		}
		if (status == Status.OK && !missing.isEmpty()) {
			status = Status.MISSING;
			if (advice == null) advice = "missing " + String.join(", ", missing) + "; download the missing files " +
				"(diffseg models download, or from the model's Hugging Face page)";
		}
		if (status == Status.OK && !broken.isEmpty()) {
			status = Status.BROKEN;
			advice = "damaged " + String.join(", ", broken) + " (see above); delete and download again";
		}
		return new Component(name, className(index, name), status, items, advice);
	}

	private static void checkShards(Path folder, String weights, Path shardIndex, List<Item> items,
		List<String> missing, List<String> broken)
	{
		String rel = weights + ".index.json";
		String dir = weights.substring(0, weights.lastIndexOf('/') + 1);
		TreeSet<String> shards = new TreeSet<>();
		try {
			JsonObject o = readJsonObject(shardIndex);
			if (!o.has("weight_map") || !o.get("weight_map").isJsonObject()) throw new IOException("no weight_map");
			for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("weight_map").entrySet())
				shards.add(e.getValue().getAsString());
			items.add(new Item(rel, true, null));
		}
		catch (IOException | RuntimeException e) {
			items.add(new Item(rel, true, "not a shard index (" + e.getMessage() + ")"));
			broken.add(rel);
			return;
		}
		for (String shard : shards) {
			String shardRel = dir + shard;
			if (shard.contains("/") || shard.contains("\\") || shard.contains("..")) {
				items.add(new Item(shardRel, false, "shard name must be a plain file name"));
				broken.add(shardRel);
				continue;
			}
			Path p = resolve(folder, shardRel);
			if (!Files.isRegularFile(p)) {
				items.add(new Item(shardRel, false, null));
				missing.add(shardRel);
				continue;
			}
			String problem = safetensorsProblem(p);
			items.add(new Item(shardRel, true, problem));
			if (problem != null) broken.add(shardRel);
		}
	}

	private static String className(JsonObject index, String component) {
		if (index == null || !index.has(component) || !index.get(component).isJsonArray()) return null;
		var a = index.getAsJsonArray(component);
		return a.size() == 2 && a.get(1).isJsonPrimitive() ? a.get(1).getAsString() : null;
	}

	private static Path resolve(Path folder, String rel) {
		Path p = folder;
		for (String part : rel.split("/")) p = p.resolve(part);
		return p;
	}

	private static boolean isPickle(String name) {
		for (String ext : PICKLE_EXTENSIONS)
			if (name.toLowerCase(Locale.ROOT).endsWith(ext)) return true;
		return false;
	}

	private static List<String> siblings(Path dir, java.util.function.Predicate<String> accept) {
		if (dir == null || !Files.isDirectory(dir)) return List.of();
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(accept).sorted().toList();
		}
		catch (IOException e) {
			return List.of();
		}
	}

	private static String jsonProblem(Path p) {
		try {
			readJson(p);
			return null;
		}
		catch (IOException e) {
			return e.getMessage();
		}
	}

	private static String emptyProblem(Path p) {
		try {
			return Files.size(p) == 0 ? "empty file" : null;
		}
		catch (IOException e) {
			return "unreadable (" + e.getMessage() + ")";
		}
	}

	private static String safetensorsProblem(Path p) {
		try (SafeTensors st = SafeTensors.open(p)) {
			return st.tensors().isEmpty() ? "holds no tensors" : null;
		}
		catch (IOException e) {
			String msg = e.getMessage() == null ? e.toString() : e.getMessage();
			String prefix = p + ": ";
			return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
		}
	}

	private static JsonObject readJsonObject(Path p) throws IOException {
		JsonElement e = readJson(p);
		if (!e.isJsonObject()) throw new IOException("not a JSON object");
		return e.getAsJsonObject();
	}

	private static JsonElement readJson(Path p) throws IOException {
		try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
			JsonElement e = JsonParser.parseReader(r);
			if (e.isJsonNull()) throw new IOException("empty file");
			return e;
		}
		catch (JsonParseException e) {
			throw new IOException("not valid JSON (" + firstLine(e.getMessage()) + ")");
		}
		catch (java.nio.charset.MalformedInputException e) {
			throw new IOException("not UTF-8 text");
		}
	}

	private static String firstLine(String s) {
		if (s == null) return "";
		int nl = s.indexOf('\n');
		return nl < 0 ? s : s.substring(0, nl);
	}
}
