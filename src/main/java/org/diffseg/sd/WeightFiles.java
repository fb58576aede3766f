package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.stream.JsonToken;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.diffseg.sd.SafeTensors.SafeTensorsException;
import org.diffseg.sd.SafeTensors.TensorInfo;

/**
 * The weights of one model component (a diffusers/transformers folder such as {@code unet/}, {@code vae/},
 * {@code text_encoder/} or a CLIP model folder), found the way diffusers and transformers find them: a single
 * {@code diffusion_pytorch_model.safetensors} / {@code model.safetensors}, or shards listed by a
 * {@code *.safetensors.index.json} weight map. Variants ({@code diffusion_pytorch_model.fp16.safetensors}) are
 * used only when asked for, or when nothing else is there. Every file is validated by {@link SafeTensors}, a
 * sharded index must agree with its shards exactly, and pickled weights ({@code .bin}, {@code .ckpt}, ...) are
 * refused. Tensors of all files are seen as one name space.
 */
public final class WeightFiles implements AutoCloseable {

	/** Weight file stems of diffusers and transformers, in order of preference. */
	private static final String[] STEMS = { "diffusion_pytorch_model", "model" };
	/** Variant tags of Hub folders; without a requested variant, files carrying one are used only as a last resort. */
	private static final String[] KNOWN_VARIANTS = { "fp16", "bf16", "fp32", "fp8", "ema", "non_ema", "non-ema" };
	/** Real index files are a few hundred kB. */
	private static final long MAX_INDEX_BYTES = 100L << 20;
	private static final int MAX_INDEX_DEPTH = 64;

	private final Path source;
	private final List<SafeTensors> files;
	private final Map<String, TensorInfo> tensors;
	private final Map<String, SafeTensors> owners;

	private WeightFiles(Path source, List<SafeTensors> files, Map<String, TensorInfo> tensors,
		Map<String, SafeTensors> owners)
	{
		this.source = source;
		this.files = Collections.unmodifiableList(files);
		this.tensors = Collections.unmodifiableMap(tensors);
		this.owners = owners;
	}

	/** Opens the non-variant weights of a component folder (or a single .safetensors or index file). */
	public static WeightFiles open(Path componentDir) throws IOException {
		return open(componentDir, null);
	}

	/**
	 * Opens the weights of a component folder; {@code variant} (e.g. "fp16", or null for none) selects files such
	 * as {@code diffusion_pytorch_model.fp16.safetensors}. {@code dir} may also name a {@code .safetensors} file or
	 * a {@code .safetensors.index.json} file directly.
	 */
	public static WeightFiles open(Path dir, String variant) throws IOException {
		if (variant != null && (variant.isBlank() || !variant.matches("[A-Za-z0-9_\\-]+"))) throw new IllegalArgumentException(
			"weight variant '" + variant + "' is not a plain name such as fp16");
		if (Files.isRegularFile(dir)) return isIndexName(dir.getFileName().toString()) ? openIndex(dir) : openSingle(dir);
		if (!Files.isDirectory(dir)) throw new FileNotFoundException(dir + ": no such folder. Give the folder of a model " +
			"component (for example unet/ or text_encoder/ of a diffusers model), which holds its .safetensors weights.");
		List<String> names;
		try (Stream<Path> list = Files.list(dir)) {
			names = list.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
		}
		String infix = variant == null ? "" : "." + variant;
		for (String stem : STEMS) {
			if (names.contains(stem + infix + ".safetensors")) return openSingle(dir.resolve(stem + infix + ".safetensors"));
		}
		for (String stem : STEMS) {
			for (String index : variant == null ? List.of(stem + ".safetensors.index.json") :
				List.of(stem + ".safetensors.index." + variant + ".json", stem + "." + variant + ".safetensors.index.json"))
			{
				if (names.contains(index)) return openIndex(dir.resolve(index));
			}
		}
		// Unusual names (a converted CLIP folder, a renamed file): use the only candidate, else ask.
		List<String> indexes = ofVariant(names.stream().filter(WeightFiles::isIndexName).toList(), variant);
		if (indexes.size() == 1) return openIndex(dir.resolve(indexes.get(0)));
		if (indexes.size() > 1) throw ambiguous(dir, indexes);
		List<String> singles = ofVariant(names.stream().filter(n -> n.endsWith(".safetensors")).toList(), variant);
		if (singles.size() == 1) return openSingle(dir.resolve(singles.get(0)));
		if (singles.size() > 1) throw ambiguous(dir, singles);
		if (variant != null && names.stream().anyMatch(n -> n.endsWith(".safetensors") || isIndexName(n)))
			throw new SafeTensorsException(dir + ": no '" + variant + "' variant of the weights (expected " +
				STEMS[0] + infix + ".safetensors or " + STEMS[1] + infix + ".safetensors); download that variant, or ask " +
				"for none to use the folder's " + String.join(", ", names.stream().filter(n -> n.endsWith(".safetensors") ||
				isIndexName(n)).toList()) + ".");
		for (String preferred : new String[] { "diffusion_pytorch_model.bin", "pytorch_model.bin" }) {
			if (names.contains(preferred)) SafeTensors.refusePickle(dir.resolve(preferred));
		}
		for (String name : names) if (SafeTensors.isPickleName(name)) SafeTensors.refusePickle(dir.resolve(name));
		throw new SafeTensorsException(dir + ": no weights found: the folder has no .safetensors file (expected " +
			"diffusion_pytorch_model.safetensors or model.safetensors, or shards listed by a *.safetensors.index.json). " +
			"Download the component's .safetensors files into it.");
	}

	private static boolean isIndexName(String name) {
		return name.matches(".*\\.safetensors\\.index(\\.[^.]+)?\\.json");
	}

	/** The candidates of the variant asked for; without one, those carrying no variant tag if there are any. */
	private static List<String> ofVariant(List<String> names, String variant) {
		if (variant != null) return names.stream().filter(n -> hasTag(n, variant)).toList();
		List<String> plain = names.stream().filter(n -> {
			for (String v : KNOWN_VARIANTS) if (hasTag(n, v)) return false;
			return true;
		}).toList();
		return plain.isEmpty() ? names : plain;
	}

	private static boolean hasTag(String name, String variant) {
		return name.contains("." + variant + ".") || name.contains("." + variant + "-");
	}

	private static SafeTensorsException ambiguous(Path dir, List<String> names) {
		return new SafeTensorsException(dir + ": several weight files and no standard name (" + String.join(", ", names) +
			"); keep only one, or name it diffusion_pytorch_model.safetensors or model.safetensors.");
	}

	private static WeightFiles openSingle(Path file) throws IOException {
		SafeTensors st = SafeTensors.open(file);
		Map<String, SafeTensors> owners = new LinkedHashMap<>();
		for (String name : st.tensors().keySet()) owners.put(name, st);
		return new WeightFiles(file, new ArrayList<>(List.of(st)), new LinkedHashMap<>(st.tensors()), owners);
	}

	private static WeightFiles openIndex(Path index) throws IOException {
		Map<String, String> weightMap = readWeightMap(index);
		Map<String, SafeTensors> shards = new LinkedHashMap<>();
		try {
			for (String shard : weightMap.values()) {
				if (shards.containsKey(shard)) continue;
				if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".") || shard.equals(".."))
					throw badIndex(index, "it names the shard " + SafeTensors.quote(shard) + ", which is not a file name in " +
						"its folder");
				Path file = index.resolveSibling(shard);
				SafeTensors.refusePickle(file);
				if (!Files.isRegularFile(file)) throw badIndex(index, "its shard " + SafeTensors.quote(shard) +
					" is missing; download every shard its weight_map lists");
				shards.put(shard, SafeTensors.open(file));
			}
			Map<String, TensorInfo> tensors = new LinkedHashMap<>();
			Map<String, SafeTensors> owners = new LinkedHashMap<>();
			for (Map.Entry<String, SafeTensors> shard : shards.entrySet()) {
				for (TensorInfo t : shard.getValue().tensors().values()) {
					SafeTensors other = owners.putIfAbsent(t.name(), shard.getValue());
					if (other != null) throw badIndex(index, "tensor " + SafeTensors.quote(t.name()) + " is in both " +
						other.path().getFileName() + " and " + shard.getKey());
					String listed = weightMap.get(t.name());
					if (listed == null) throw badIndex(index, "shard " + shard.getKey() + " holds tensor " +
						SafeTensors.quote(t.name()) + ", which its weight_map does not list");
					tensors.put(t.name(), t);
				}
			}
			for (Map.Entry<String, String> e : weightMap.entrySet()) {
				if (!shards.get(e.getValue()).tensors().containsKey(e.getKey())) throw badIndex(index, "its weight_map puts " +
					"tensor " + SafeTensors.quote(e.getKey()) + " in shard " + e.getValue() + ", which does not hold it");
			}
			return new WeightFiles(index, new ArrayList<>(shards.values()), tensors, owners);
		}
		catch (IOException | RuntimeException e) {
			for (SafeTensors st : shards.values()) st.close();
			throw e;
		}
	}

	/** The index's {@code weight_map}: tensor name to shard file name, in file order. */
	private static Map<String, String> readWeightMap(Path index) throws IOException {
		long size = Files.size(index);
		if (size > MAX_INDEX_BYTES) throw badIndex(index, "it is " + size + " bytes, more than the " + MAX_INDEX_BYTES +
			" allowed");
		byte[] bytes = Files.readAllBytes(index);
		if (SafeTensors.nestsDeeperThan(bytes, MAX_INDEX_DEPTH)) throw badIndex(index, "its JSON nests deeper than " +
			MAX_INDEX_DEPTH + " levels");
		Map<String, String> weightMap = SafeTensors.readJsonObject(bytes, "it", what -> badIndex(index, what), r -> {
			Map<String, String> map = null;
			while (r.hasNext()) {
				String key = r.nextName();
				if (!key.equals("weight_map")) {
					r.skipValue();
					continue;
				}
				if (map != null) throw badIndex(index, "it has the key 'weight_map' twice");
				if (r.peek() != JsonToken.BEGIN_OBJECT) throw badIndex(index, "its weight_map is not an object");
				map = new LinkedHashMap<>();
				r.beginObject();
				while (r.hasNext()) {
					String tensor = r.nextName();
					if (r.peek() != JsonToken.STRING) throw badIndex(index, "its weight_map entry " + SafeTensors.quote(tensor) +
						" is not a file name");
					if (map.put(tensor, r.nextString()) != null) throw badIndex(index, "its weight_map lists tensor " +
						SafeTensors.quote(tensor) + " twice");
				}
				r.endObject();
			}
			return map;
		});
		if (weightMap == null) throw badIndex(index, "it has no weight_map");
		if (weightMap.isEmpty()) throw badIndex(index, "its weight_map lists no tensors");
		return weightMap;
	}

	private static SafeTensorsException badIndex(Path index, String what) {
		return new SafeTensorsException(index + ": not a valid sharded-weights index: " + what + ".");
	}

	/** The folder, file or index this was opened from. */
	public Path source() {
		return source;
	}

	/** The opened files: one, or the shards in the order the index first names them. */
	public List<SafeTensors> files() {
		return files;
	}

	/** Every tensor of every file, by name (file order, then header order). */
	public Map<String, TensorInfo> tensors() {
		return tensors;
	}

	/** The file that holds a tensor. */
	public SafeTensors fileOf(String tensorName) {
		SafeTensors st = owners.get(tensorName);
		if (st == null) throw new IllegalArgumentException(source + " has no tensor " + SafeTensors.quote(tensorName));
		return st;
	}

	/** Loads a tensor into {@code m}, converting floating-point data to {@code floatType} (see {@link SafeTensors#load}). */
	public NDArray load(NDManager m, String name, DataType floatType) throws IOException {
		return fileOf(name).load(m, name, floatType);
	}

	@Override
	public void close() throws IOException {
		IOException first = null;
		for (SafeTensors st : files) {
			try {
				st.close();
			}
			catch (IOException e) {
				if (first == null) first = e;
			}
		}
		if (first != null) throw first;
	}
}
