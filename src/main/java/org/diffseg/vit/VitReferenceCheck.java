package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.nn.Json;
import org.diffseg.vit.PositionEmbeddingInterpolation.GridOrder;

/**
 * The tiny-vit parity protocol of the fixtures' README, runnable on any CLIPModel or ViTModel folder and any reference
 * folder in that format: the model type comes from config.json ({@code clip} or {@code vit}), the files that belong
 * to it from their names ({@code clip*} or {@code dino*} / {@code vit*}, plus the model's own entries of
 * {@code preprocess}), and what to compute from the tensor names in each file. Inputs (image_uint8, input_ids,
 * pixel_values without a source) are read, every other tensor is compared with max|actual - expected| <= bound *
 * max|expected| (1e-4), pixel values with an absolute 1e-6 and integers exactly. A tensor whose name this check does
 * not know fails, so a new kind of reference is never silently skipped.
 */
public final class VitReferenceCheck {

	/** One compared tensor. {@code relative} = max|Δ| / max|expected|; absolute checks say so in their name. */
	public record Result(String name, double maxAbs, double relative, double bound, boolean pass) {
		public String line() {
			return String.format("%-4s %-70s max|Δ| %.3e  rel %.3e  (bound %.0e)", pass ? "PASS" : "FAIL", name, maxAbs,
				relative, bound);
		}
	}

	static final double BOUND = 1e-4, PIXEL_BOUND = 1e-6;
	private static final Pattern KEYS = Pattern.compile("keys_(?:last_layer|layer_(m?)(\\d+))");
	/** Leaves of a vision case that are inputs, not results. */
	private static final Set<String> INPUTS = Set.of("image_uint8", "image_float", "pixel_values");

	private final Path reference;
	private final ClipModel clip;
	private final ViTModel vit;
	private final VisionTransformer vision;
	private final ImagePreprocessor preprocessor;
	private final Consumer<Result> sink;
	private final List<Result> results = new ArrayList<>();

	private VitReferenceCheck(Path reference, ClipModel clip, ViTModel vit, Consumer<Result> sink) {
		this.reference = reference;
		this.clip = clip;
		this.vit = vit;
		this.vision = clip != null ? clip.vision : vit.vision;
		this.preprocessor = clip != null ? clip.preprocessor : vit.preprocessor;
		this.sink = sink;
	}

	/** True when the folder holds a model this check runs (config.json model_type clip or vit). */
	public static boolean handles(Path model) {
		try {
			String type = ModelFolder.config(model).getString("model_type", "");
			return type.equals("clip") || type.equals("vit");
		}
		catch (IOException | RuntimeException e) {
			return false;
		}
	}

	/** Loads the model, runs every check whose reference tensors are present; {@code sink} sees each result as it comes. */
	public static List<Result> run(Path model, Path reference, Device device, DataType dtype, Consumer<Result> sink)
		throws IOException
	{
		if (!Files.isDirectory(reference)) throw new IOException(reference + " is not a folder of reference tensors.");
		Json config = ModelFolder.config(model);
		String type = config.getString("model_type", "");
		Consumer<Result> out = sink == null ? r -> {} : sink;
		List<Result> results;
		if (type.equals("clip")) try (ClipModel c = ClipModel.load(model, device, dtype)) {
			results = new VitReferenceCheck(reference, c, null, out).all(device, "clip", "clip.");
		}
		else if (type.equals("vit")) try (ViTModel v = ViTModel.load(model, device, dtype)) {
			results = new VitReferenceCheck(reference, null, v, out).all(device, "dino|vit", "dino.|vit.");
		}
		else throw new IOException(config.file() + " describes a '" + type + "' model; the ViT check takes CLIPModel " +
			"(model_type clip) or ViTModel (model_type vit) folders.");
		if (results.isEmpty()) throw new IOException(reference + " holds no reference tensors for this " + type +
			" model (expected files such as preprocess, " + (type.equals("clip") ?
				"clip_vision, clip_text, clip_logits, clip_dense" : "dino") + " .safetensors).");
		return results;
	}

	/** OVDiff's channel order: [.., H*d] head-concatenated (h*d + j) to head-minor (j*H + h). */
	public static NDArray headMinor(NDArray denseKeys, int heads) {
		Shape s = denseKeys.getShape();
		int last = s.dimension() - 1;
		long dim = s.get(last);
		long[] split = new long[s.dimension() + 1];
		for (int i = 0; i < last; i++) split[i] = s.get(i);
		split[last] = heads;
		split[last + 1] = dim / heads;
		int[] axes = new int[split.length];
		for (int i = 0; i < axes.length; i++) axes[i] = i;
		axes[last] = last + 1;
		axes[last + 1] = last;
		return denseKeys.reshape(split).transpose(axes).reshape(s);
	}

	private List<Result> all(Device device, String filePrefixes, String preprocessPrefixes) throws IOException {
		List<String> files;
		try (Stream<Path> list = Files.list(reference)) {
			files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors"))
				.map(n -> n.substring(0, n.length() - ".safetensors".length())).sorted().toList();
		}
		try (NDManager m = NDManager.newBaseManager(device)) {
			for (String f : files) {
				try (NDManager fm = m.newSubManager(); SafeTensors st = open(f)) {
					if (f.equals("preprocess")) preprocess(fm, st, preprocessPrefixes.split("\\|"));
					else if (!f.matches("(" + filePrefixes + ").*")) continue;
					else if (st.tensors().containsKey("input_ids")) text(fm, f, st);
					else if (st.tensors().containsKey("logits_per_image") || st.tensors().containsKey("cosine_similarity"))
						logits(fm, f, st, files);
					else visionFile(fm, f, st);
				}
			}
		}
		return results;
	}

	// ---- preprocess: the model's image processor, step by step, on image_uint8

	private void preprocess(NDManager m, SafeTensors st, String[] prefixes) throws IOException {
		if (!st.tensors().containsKey("image_uint8")) return;
		Uint8Image image = Uint8Image.of(st.load(m, "image_uint8", null));
		if (st.tensors().containsKey("image_float"))
			compare("preprocess/image_float", image.toFloatNchw(m), load(m, st, "image_float"), BOUND);
		for (String prefix : prefixes) {
			Uint8Image x = preprocessor.convertRgb ? image.toRgb() : image;
			if (preprocessor.doResize) x = preprocessor.resize(x);
			compareImage(m, st, prefix + "resized_uint8", x);
			if (preprocessor.doCenterCrop) x = preprocessor.centerCrop(x);
			compareImage(m, st, prefix + "cropped_uint8", x);
			if (st.tensors().containsKey(prefix + "pixel_values")) compareAbsolute("preprocess/" + prefix + "pixel_values",
				preprocessor.pixelValues(m, x), load(m, st, prefix + "pixel_values"));
			for (String name : st.tensors().keySet())
				if (name.startsWith(prefix) && !Set.of("resized_uint8", "cropped_uint8", "pixel_values")
					.contains(name.substring(prefix.length()))) unknown("preprocess/" + name);
		}
	}

	private void compareImage(NDManager m, SafeTensors st, String name, Uint8Image actual) throws IOException {
		if (!st.tensors().containsKey(name)) return;
		Uint8Image expected = Uint8Image.of(st.load(m, name, null));
		boolean sameSize = expected.height() == actual.height() && expected.width() == actual.width() &&
			expected.channels() == actual.channels();
		double maxAbs = sameSize ? 0 : Double.POSITIVE_INFINITY, maxRef = 0;
		for (int i = 0; sameSize && i < expected.data().length; i++) {
			maxAbs = Math.max(maxAbs, Math.abs((expected.data()[i] & 0xff) - (actual.data()[i] & 0xff)));
			maxRef = Math.max(maxRef, expected.data()[i] & 0xff);
		}
		add(new Result("preprocess/" + name + (sameSize ? "" : " (size " + actual.height() + "x" + actual.width() +
			" != " + expected.height() + "x" + expected.width() + ")"), maxAbs, maxRef == 0 ? maxAbs : maxAbs / maxRef, 0,
			maxAbs == 0));
	}

	// ---- vision files: cases are name prefixes (h48w64.rowcol.*), inputs are looked up from the case upwards

	private void visionFile(NDManager m, String file, SafeTensors st) throws IOException {
		Map<String, List<String>> cases = new LinkedHashMap<>();
		for (String name : st.tensors().keySet()) {
			int dot = name.lastIndexOf('.');
			cases.computeIfAbsent(dot < 0 ? "" : name.substring(0, dot), k -> new ArrayList<>())
				.add(dot < 0 ? name : name.substring(dot + 1));
		}
		for (Map.Entry<String, List<String>> c : cases.entrySet()) visionCase(m, file, st, c.getKey(), c.getValue());
	}

	private void visionCase(NDManager m, String file, SafeTensors st, String prefix, List<String> leaves)
		throws IOException
	{
		String at = prefix.isEmpty() ? "" : prefix + ".";
		String label = file + "/" + at;
		if (leaves.contains("image_float") && leaves.contains("image_uint8")) compare(label + "image_float",
			Uint8Image.of(st.load(m, at + "image_uint8", null)).toFloatNchw(m), load(m, st, at + "image_float"), BOUND);
		if (leaves.contains("pixel_values")) pixelSource(m, st, at, label);
		if (leaves.stream().allMatch(INPUTS::contains)) return;
		String input = findUp(st, prefix, "pixel_values");
		if (input == null) {
			for (String leaf : leaves) if (!INPUTS.contains(leaf)) add(new Result(label + leaf + " (no pixel_values " +
				"input found for this case)", Double.NaN, Double.NaN, BOUND, false));
			return;
		}
		NDArray x = load(m, st, input);
		GridOrder order = List.of(prefix.split("\\.")).contains("ovdiff") ? GridOrder.OVDIFF_TRANSPOSED :
			GridOrder.ROW_COLUMN;
		try (NDManager cm = m.newSubManager()) {
			x.tempAttach(cm);
			VisionTransformer.Output out = vision.forward(x, true, null, order);
			for (String leaf : leaves) {
				if (INPUTS.contains(leaf)) continue;
				String name = label + leaf;
				NDArray expected = load(cm, st, at + leaf);
				Matcher keys = KEYS.matcher(leaf);
				switch (leaf) {
					case "embeddings" -> compare(name, out.embeddings(), expected, BOUND);
					case "position_embedding", "position_embeddings" -> compare(name,
						out.positionEmbedding().reshape(expected.getShape()), expected, BOUND);
					case "hidden_states" -> compare(name, NDArrays.stack(new NDList(out.hiddenStates().toArray(
						new NDArray[0]))), expected, BOUND);
					case "last_hidden_state" -> compare(name, out.lastHiddenState(), expected, BOUND);
					case "pooler_output", "cls_output" -> compare(name, out.pooled(), expected, BOUND);
					case "ovdiff_features" -> compare(name, headMinor(vision.denseKeys(x, vision.ovdiffKeyLayer(), order),
						vision.config.heads()).reshape(expected.getShape()), expected, BOUND);
					case "image_embeds", "image_embeds_normalized" -> {
						if (clip == null) unknown(name);
						else {
							NDArray e = clip.imageEmbeds(x);
							compare(name, leaf.equals("image_embeds") ? e : ClipModel.normalize(e), expected, BOUND);
						}
					}
					default -> {
						if (keys.matches()) {
							int layer = keys.group(2) == null ? -1 :
								(keys.group(1).isEmpty() ? 1 : -1) * Integer.parseInt(keys.group(2));
							compare(name, vision.forward(x, false, layer, order).keys(), expected, BOUND);
						}
						else unknown(name);
					}
				}
			}
		}
	}

	/**
	 * pixel_values are inputs; they are also results, of ImageNet normalisation of image_float (OVDiff's dense path)
	 * or, without one, of the model's image processor on preprocess/image_uint8 (e.g. clip_vision, dino native).
	 */
	private void pixelSource(NDManager m, SafeTensors st, String at, String label) throws IOException {
		NDArray expected = load(m, st, at + "pixel_values");
		if (st.tensors().containsKey(at + "image_float")) {
			compareAbsolute(label + "pixel_values", ImageNormalization.IMAGENET.apply(load(m, st, at + "image_float")),
				expected);
			return;
		}
		if (!Files.exists(reference.resolve("preprocess.safetensors"))) return;
		try (SafeTensors pre = open("preprocess")) {
			if (!pre.tensors().containsKey("image_uint8")) return;
			NDArray actual = preprocessor.apply(m, Uint8Image.of(pre.load(m, "image_uint8", null)));
			if (actual.getShape().equals(expected.getShape()))
				compareAbsolute(label + "pixel_values from preprocess/image_uint8", actual, expected);
		}
	}

	// ---- text: input_ids -> text tower, pooling, projection

	private void text(NDManager m, String file, SafeTensors st) throws IOException {
		if (clip == null) return;
		NDArray ids = st.load(m, "input_ids", null);
		for (String name : st.tensors().keySet()) {
			String label = file + "/" + name;
			switch (name) {
				case "input_ids" -> {}
				case "openai_input_ids" -> {
					if (st.tensors().containsKey("text_embeds")) compare(file + "/text_embeds from openai_input_ids",
						clip.textEmbeds(st.load(m, name, null)), load(m, st, "text_embeds"), BOUND);
				}
				case "last_hidden_state" -> compare(label, clip.text.forward(ids, false).lastHiddenState(),
					load(m, st, name), BOUND);
				case "pooler_output" -> compare(label, clip.text.forward(ids, false).pooled(), load(m, st, name), BOUND);
				case "text_embeds" -> compare(label, clip.textEmbeds(ids), load(m, st, name), BOUND);
				case "text_embeds_normalized" -> compare(label, ClipModel.normalize(clip.textEmbeds(ids)),
					load(m, st, name), BOUND);
				case "eos_index", "attention_mask" -> compareExact(label, eosDerived(ids, name.equals("eos_index")),
					st.readLongs(name));
				default -> unknown(label);
			}
		}
	}

	/** The pooling position (argmax of the ids for the legacy eos id 2, else the first eos) or the mask up to it. */
	private long[] eosDerived(NDArray ids, boolean index) {
		long[] flat = ids.toLongArray();
		int b = (int) ids.getShape().get(0), t = (int) ids.getShape().get(1);
		int eos = clip.text.config.eosTokenId();
		long[] out = new long[index ? b : b * t];
		for (int i = 0; i < b; i++) {
			int best = 0;
			for (int j = 0; j < t; j++) {
				long id = flat[i * t + j];
				if (eos == 2 ? id > flat[i * t + best] : id == eos) {
					best = j;
					if (eos != 2) break;
				}
			}
			if (index) out[i] = best;
			else for (int j = 0; j <= best; j++) out[i * t + j] = 1;
		}
		return out;
	}

	// ---- logits: the image of the file with root pixel_values against the texts of the file with input_ids

	private void logits(NDManager m, String file, SafeTensors st, List<String> files) throws IOException {
		if (clip == null) return;
		NDArray image = null, text = null;
		for (String f : files) {
			if (f.equals(file) || f.equals("preprocess")) continue;
			try (SafeTensors o = open(f)) {
				if (image == null && o.tensors().containsKey("pixel_values")) image = clip.imageEmbeds(load(m, o, "pixel_values"));
				if (text == null && o.tensors().containsKey("input_ids")) text = clip.textEmbeds(o.load(m, "input_ids", null));
			}
		}
		if (image == null || text == null) {
			for (String name : st.tensors().keySet()) add(new Result(file + "/" + name + " (needs a file with " +
				"pixel_values and one with input_ids beside it)", Double.NaN, Double.NaN, BOUND, false));
			return;
		}
		ClipModel.Similarity s = clip.similarity(image, text);
		NDArray scaleExp = clip.logitScale().exp();
		scaleExp.attach(m);
		for (String name : st.tensors().keySet()) {
			NDArray expected = load(m, st, name);
			String label = file + "/" + name;
			switch (name) {
				case "cosine_similarity" -> compare(label, s.cosine(), expected, BOUND);
				case "logit_scale" -> compare(label, clip.logitScale(), expected, BOUND);
				case "logit_scale_exp" -> compare(label, scaleExp, expected, BOUND);
				case "logits_per_image" -> compare(label, s.logitsPerImage(), expected, BOUND);
				case "logits_per_text" -> compare(label, s.logitsPerText(), expected, BOUND);
				case "probs_per_image" -> compare(label, s.probs(), expected, BOUND);
				default -> unknown(label);
			}
		}
	}

	// ---- comparisons

	private static String findUp(SafeTensors st, String prefix, String leaf) {
		String p = prefix;
		while (true) {
			String name = p.isEmpty() ? leaf : p + "." + leaf;
			if (st.tensors().containsKey(name)) return name;
			if (p.isEmpty()) return null;
			int dot = p.lastIndexOf('.');
			p = dot < 0 ? "" : p.substring(0, dot);
		}
	}

	private void compare(String name, NDArray actual, NDArray expected, double bound) {
		double[] e = errors(actual, expected);
		boolean shaped = e != null;
		add(new Result(name + (shaped ? "" : " (shape " + actual.getShape() + " != " + expected.getShape() + ")"),
			shaped ? e[0] : Double.POSITIVE_INFINITY, shaped ? e[1] : Double.POSITIVE_INFINITY, bound,
			shaped && e[1] <= bound));
	}

	private void compareAbsolute(String name, NDArray actual, NDArray expected) {
		double[] e = errors(actual, expected);
		add(new Result(name + " (absolute bound)", e == null ? Double.POSITIVE_INFINITY : e[0],
			e == null ? Double.POSITIVE_INFINITY : e[1], PIXEL_BOUND, e != null && e[0] <= PIXEL_BOUND));
	}

	private void compareExact(String name, long[] actual, long[] expected) {
		double maxAbs = actual.length == expected.length ? 0 : Double.POSITIVE_INFINITY, maxRef = 0;
		for (int i = 0; i < Math.min(actual.length, expected.length); i++) {
			maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
			maxRef = Math.max(maxRef, Math.abs(expected[i]));
		}
		add(new Result(name, maxAbs, maxRef == 0 ? maxAbs : maxAbs / maxRef, 0, maxAbs == 0));
	}

	/**
	 * { max|Δ|, max|Δ| / max|expected| }, NaN counting as infinite; null when the shapes differ. The tests' own
	 * comparisons (VitFixtures) use it too, so a check and a test measure the same error.
	 */
	static double[] errors(NDArray actual, NDArray expected) {
		if (!actual.getShape().equals(expected.getShape())) return null;
		float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
		float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
		double maxAbs = 0, maxRef = 0;
		for (int i = 0; i < a.length; i++) {
			double d = Math.abs((double) a[i] - e[i]);
			maxAbs = Math.max(maxAbs, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
			maxRef = Math.max(maxRef, Math.abs(e[i]));
		}
		return new double[] { maxAbs, maxRef == 0 ? maxAbs : maxAbs / maxRef };
	}

	private void unknown(String name) {
		add(new Result(name + " (no check knows this tensor name)", Double.NaN, Double.NaN, BOUND, false));
	}

	private void add(Result r) {
		results.add(r);
		sink.accept(r);
	}

	private SafeTensors open(String file) throws IOException {
		return SafeTensors.open(reference.resolve(file + ".safetensors"));
	}

	private static NDArray load(NDManager m, SafeTensors st, String name) throws IOException {
		return st.load(m, name, DataType.FLOAT32);
	}
}
