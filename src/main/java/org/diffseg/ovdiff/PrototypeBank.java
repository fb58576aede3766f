package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.diffseg.run.DiffSegException;
import org.diffseg.run.WriteErrors;
import org.diffseg.sd.SafeTensors;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of prototypes, one file per (class, feature extractor), each recording the model identity, the extractor,
 * the settings they were built with, the class name, whether it is stuff, the tensors and their provenance (which
 * support image and region each prototype came from). A bank is opened for one model identity and one settings map;
 * files built with another model or other settings are never used (the file name carries a hash of both, and the
 * contents are checked again), so one folder can hold vocabularies for several models. Adding a class writes only
 * that class's file, atomically ({@link BankFile}); a damaged file is refused with a message saying to rebuild it.
 */
public final class PrototypeBank {
	public static final String SUFFIX = ".ovdiff.safetensors";
	static final String FORMAT = "diffseg-ovdiff-prototypes";
	static final int VERSION = 1;
	private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

	/** One class's prototypes for one extractor, with the names of the support images they came from. */
	public record Entry(String className, boolean stuff, String extractorId, Prototypes prototypes,
		List<String> supportImages)
	{
		public Entry {
			className = ClassNames.clean(className);
			supportImages = List.copyOf(supportImages);
			if (supportImages.size() != prototypes.fg().partLabels().getShape().get(0)) throw new
				IllegalArgumentException(supportImages.size() + " support image names for " +
				prototypes.fg().partLabels().getShape().get(0) + " support images");
		}
	}

	/** What a bank file says about itself, read from its header alone. */
	public record Summary(Path file, String className, String extractorId, String modelIdentity,
		Map<String, String> settings, boolean stuff) {}

	private final Path directory;
	private final String modelIdentity;
	private final Map<String, String> settings;
	private final String compatibility;

	/**
	 * @param directory the bank folder (created on the first write)
	 * @param modelIdentity what identifies the model the prototypes come from (e.g. a hash of its configs and weight
	 * headers)
	 * @param settings everything else that changes the prototypes (support-set size, seed, splitter, parts, ...)
	 */
	public PrototypeBank(Path directory, String modelIdentity, Map<String, String> settings) {
		if (modelIdentity == null || modelIdentity.isBlank()) throw new IllegalArgumentException("a prototype bank " +
			"needs the identity of the model its prototypes come from");
		this.directory = directory;
		this.modelIdentity = modelIdentity;
		this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
		this.compatibility = BankFile.sha256(modelIdentity + "\n" + GSON.toJson(this.settings)).substring(0, 12);
	}

	public Path directory() {
		return directory;
	}

	/** The identity of the model this bank was opened for. */
	public String modelIdentity() {
		return modelIdentity;
	}

	/** The settings this bank was opened with (sorted by key). */
	public Map<String, String> settings() {
		return settings;
	}

	/**
	 * Null when a file fits this bank's model and settings; otherwise how it differs, e.g. "with another model (...)".
	 */
	public String incompatibility(Summary s) {
		return mismatch(s);
	}

	/** The file a class's prototypes for an extractor live in, under this bank's model and settings. */
	public Path file(String className, String extractorId) {
		String key = ClassNames.key(className);
		String slug = key.replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
		if (slug.length() > 40) slug = slug.substring(0, 40);
		return directory.resolve((slug.isEmpty() ? "class" : slug) + "-" + BankFile.sha256(key).substring(0, 8) +
			"." + BankFile.sha256(extractorId).substring(0, 8) + "." + compatibility + SUFFIX);
	}

	public boolean contains(String className, String extractorId) {
		return Files.isRegularFile(file(className, extractorId));
	}

	/**
	 * Refuses, before any model loads or any image is sampled, a bank that is a file, a model folder or a folder of
	 * other files; and when {@code forWriting}, a folder that cannot be created or written (found now, not after the
	 * first class is sampled). A folder that does not exist yet is fine for writing.
	 * @throws DiffSegException (a bad setting: "bank") naming the folder, the cause and the fix
	 */
	public static void checkFolder(Path directory, boolean forWriting) {
		String fix = "choose a folder of its own for the prototypes (a new or empty one, or a bank built before)";
		if (Files.exists(directory) && !Files.isDirectory(directory)) throw DiffSegException.setting("bank",
			"the prototype bank " + directory + " is a file, not a folder", fix);
		if (Files.isDirectory(directory)) {
			if (Files.exists(directory.resolve("model_index.json"))) throw DiffSegException.setting("bank",
				"the prototype bank folder " + directory + " is a Stable Diffusion model folder, not a prototype bank",
				fix);
			Path other;
			try (Stream<Path> s = Files.list(directory)) {
				other = s.filter(p -> {
					String n = p.getFileName().toString();
					return Files.isRegularFile(p) && !n.startsWith(".") && !n.endsWith(SUFFIX) &&
						!n.contains(BankFile.TEMP_INFIX);
				}).sorted().findFirst().orElse(null);
			}
			catch (IOException e) {
				throw DiffSegException.setting("bank", "the prototype bank folder " + directory + " cannot be read (" +
					reason(e) + ")", "make it readable, or choose another folder");
			}
			if (other != null) throw DiffSegException.setting("bank", "the folder " + directory + " is not a " +
				"prototype bank: it holds " + other.getFileName() + ", which is not a prototype file (those end in " +
				SUFFIX + ")" + (other.getFileName().toString().endsWith(".safetensors") ||
				other.getFileName().toString().equals("config.json") ? "; it looks like a model folder" : ""), fix);
		}
		if (!forWriting) return;
		try {
			Files.createDirectories(directory);
			Path probe = Files.createTempFile(directory, ".diffseg-write-check-", ".tmp");
			Files.delete(probe);
		}
		catch (IOException e) {
			// disk full, permission denied, read-only told apart; a file on the path stays a bad "bank" setting
			DiffSegException typed = WriteErrors.classify(e, directory);
			if (typed != null && typed.kind() != DiffSegException.Kind.INPUT) throw typed;
			throw DiffSegException.setting("bank", "the prototype bank folder " + directory + " cannot be written (" +
				reason(e) + ")", "make it writable, or choose another folder");
		}
		catch (SecurityException e) {
			throw DiffSegException.setting("bank", "the prototype bank folder " + directory + " cannot be written (" +
				reason(e) + ")", "make it writable, or choose another folder");
		}
	}

	/**
	 * Deletes the temporary files ({@code *.tmp-<id>}) that runs killed while writing a bank file left in the folder;
	 * call it only while holding the folder's {@link org.diffseg.run.WriteLock}, as a live run's are there too.
	 * @return how many were deleted
	 */
	public static int removeTemporaryFiles(Path directory) throws IOException {
		if (!Files.isDirectory(directory)) return 0;
		List<Path> temporary;
		try (Stream<Path> s = Files.list(directory)) {
			temporary = s.filter(p -> p.getFileName().toString().contains(SUFFIX + BankFile.TEMP_INFIX) &&
				Files.isRegularFile(p)).toList();
		}
		for (Path p : temporary) Files.deleteIfExists(p);
		return temporary.size();
	}

	private static String reason(Exception e) {
		if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
		if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	/** Every bank file in the folder whose header can be read (any model or settings), sorted by file name. */
	public List<Summary> list() throws IOException {
		return scan(null);
	}

	/**
	 * The bank files in the folder (any model or settings) whose size or header shows damage, sorted by file name:
	 * {@link #list} leaves them out, and no caller may skip them in silence. (A file whose payload alone is altered is
	 * found by its checksum when it is loaded.)
	 */
	public List<Damaged> damaged() throws IOException {
		List<Damaged> out = new ArrayList<>();
		scan(out);
		return out;
	}

	/** A bank file that cannot be trusted, its class (read from the file name when its contents cannot be), and why. */
	public record Damaged(Path file, String className, String why) {
		/** Whether this is a file of {@code name} (any case or spacing), by the class hash in the file name. */
		public boolean isOf(String name) {
			Matcher m = NAME.matcher(file.getFileName().toString());
			return m.matches() && m.group(2).equals(BankFile.sha256(ClassNames.key(name)).substring(0, 8));
		}
	}

	/** slug-classhash.extractorhash.compatibility.ovdiff.safetensors */
	private static final Pattern NAME = Pattern.compile("(.*)-([0-9a-f]{8})\\.([0-9a-f]{8})\\.([0-9a-f]{12})" +
		Pattern.quote(SUFFIX));

	private List<Summary> scan(List<Damaged> damaged) throws IOException {
		List<Summary> out = new ArrayList<>();
		if (!Files.isDirectory(directory)) return out;
		List<Path> files;
		try (Stream<Path> s = Files.list(directory)) {
			files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
		}
		for (Path f : files) {
			try {
				out.add(summary(f, parse(f, BankFile.readDocument(f))));
			}
			catch (BankFile.DamagedException e) {
				if (damaged != null) damaged.add(new Damaged(f, classFromName(f), e.why()));
			}
		}
		return out;
	}

	/** The class a file name says (its slug, with spaces for underscores), or "?" for a name not of this bank. */
	private static String classFromName(Path f) {
		Matcher m = NAME.matcher(f.getFileName().toString());
		return m.matches() ? m.group(1).replace('_', ' ') : "?";
	}

	/**
	 * Null when the file of a class and extractor under this bank's model and settings is absent or intact (size,
	 * header, checksum); otherwise why it is damaged.
	 */
	public String damage(String className, String extractorId) throws IOException {
		Path f = file(className, extractorId);
		if (!Files.exists(f)) return null;
		try {
			summary(f, parse(f, BankFile.read(f).document()));
			return null;
		}
		catch (NoSuchFileException gone) {
			return null;
		}
		catch (BankFile.DamagedException e) {
			return e.why();
		}
	}

	/** Whether the class's file for an extractor is there and intact (size, header, checksum). */
	public boolean intact(String className, String extractorId) throws IOException {
		return contains(className, extractorId) && damage(className, extractorId) == null;
	}

	/** A damaged file, typed for the front-ends to word the fix (rebuild the class, or delete the file). */
	public static DiffSegException damagedError(Path bank, Path file, String className, String why) {
		return damagedError(bank, file, className, why, "");
	}

	private static DiffSegException damagedError(Path bank, Path file, String className, String why, String more) {
		return new DiffSegException(DiffSegException.Kind.PROTOTYPES_DAMAGED, "the prototype bank file " + file +
			" of class '" + className + "' is damaged (" + why + "), probably by an interrupted write or copy" + more,
			"rebuild the class with the settings it was built with, or delete the file", Map.of(DiffSegException.BANK,
			bank.toString(), DiffSegException.CLASSES, className));
	}

	/** {@link #damagedError} of the first of these files, saying how many more there are. */
	public static DiffSegException damagedError(Path bank, List<Damaged> damaged) {
		Damaged d = damaged.get(0);
		String more = damaged.size() == 1 ? "" : " (and " + (damaged.size() - 1) + " more damaged file" +
			(damaged.size() == 2 ? "" : "s") + ")";
		return damagedError(bank, d.file(), d.className(), d.why(), more);
	}

	/** The classes this bank holds for an extractor under its model and settings, in name order. */
	public List<String> classes(String extractorId) throws IOException {
		TreeSet<String> names = new TreeSet<>();
		for (Summary s : list()) if (compatible(s) && s.extractorId().equals(extractorId)) names.add(s.className());
		return new ArrayList<>(names);
	}

	/**
	 * Writes (or rebuilds) one class's prototypes; no other file is touched.
	 * @throws IllegalArgumentException when the bank holds the class under a name differing only in case or spaces
	 */
	public Path put(Entry e) throws IOException {
		Path f = file(e.className(), e.extractorId());
		if (Files.isRegularFile(f)) {
			String existing = null;
			try {
				existing = summary(f, parse(f, BankFile.readDocument(f))).className();
			}
			catch (BankFile.DamagedException damaged) {
				// replaced below
			}
			if (existing != null && !existing.equals(e.className())) throw new IllegalArgumentException("the class '" +
				e.className() + "' duplicates '" + existing + "' already in the bank " + directory + " (names that " +
				"differ only in case or spaces are one class): use the name '" + existing + "'");
		}
		JsonObject doc = new JsonObject();
		doc.addProperty("format", FORMAT);
		doc.addProperty("version", VERSION);
		doc.addProperty("model", modelIdentity);
		doc.addProperty("extractor", e.extractorId());
		doc.add("settings", GSON.toJsonTree(settings));
		doc.addProperty("class", e.className());
		doc.addProperty("stuff", e.stuff());
		doc.add("support_images", GSON.toJsonTree(e.supportImages()));
		doc.add("fg", origins(e.prototypes().fg()));
		doc.add("bg", origins(e.prototypes().bg()));
		Map<String, BankFile.Tensor> tensors = new TreeMap<>();
		put(tensors, "fg", e.prototypes().fg());
		put(tensors, "bg", e.prototypes().bg());
		BankFile.write(f, GSON.toJson(doc), tensors);
		return f;
	}

	/**
	 * Loads one class's prototypes into {@code manager}.
	 * @throws DiffSegException (prototypes missing) naming the cause and the fix when the class is missing or was built
	 * for another model or with other settings
	 * @throws DiffSegException (prototypes damaged) naming the file and the class when its file is damaged
	 */
	public Entry load(NDManager manager, String className, String extractorId) throws IOException {
		try {
			return read(manager, className, extractorId);
		}
		catch (BankFile.DamagedException d) {
			throw damagedError(directory, file(className, extractorId), className, d.why());
		}
	}

	private Entry read(NDManager manager, String className, String extractorId) throws IOException {
		Path f = file(className, extractorId);
		BankFile.Contents c;
		try {
			c = BankFile.read(f);
		}
		catch (NoSuchFileException missing) {
			throw whyMissing(className, extractorId);
		}
		JsonObject doc = parse(f, c.document());
		Summary s = summary(f, doc);
		String mismatch = mismatch(s);
		if (mismatch != null) throw new IOException(f + " holds prototypes built " + mismatch + ": rebuild '" +
			className + "' for this model and settings");
		if (!ClassNames.key(s.className()).equals(ClassNames.key(className)) || !s.extractorId().equals(extractorId))
			throw BankFile.damaged(f, "it holds '" + s.className() + "' for extractor " + s.extractorId() + ", not '" +
				className + "' for " + extractorId);
		try (NDManager tmp = manager.newSubManager()) {
			Prototypes.Group fg = group(tmp, f, c, "fg", doc), bg = group(tmp, f, c, "bg", doc);
			Prototypes p = new Prototypes(fg, bg);
			List<String> images = new ArrayList<>();
			for (JsonElement i : array(f, doc, "support_images")) images.add(i.getAsString());
			Entry e = new Entry(s.className(), s.stuff(), extractorId, p, images);
			for (NDArray a : new NDArray[] { fg.vectors(), fg.partLabels(), bg.vectors(), bg.partLabels() }) a.attach(manager);
			return e;
		}
		catch (RuntimeException bad) {
			throw BankFile.damaged(f, "its contents do not fit together: " + bad.getMessage());
		}
	}

	private DiffSegException whyMissing(String className, String extractorId) throws IOException {
		String key = ClassNames.key(className);
		List<String> other = new ArrayList<>();
		TreeSet<String> otherKinds = new TreeSet<>(); // extractors the class fits this bank for
		for (Summary s : list()) {
			if (!ClassNames.key(s.className()).equals(key)) continue;
			String m = mismatch(s);
			if (s.extractorId().equals(extractorId)) {
				if (m != null) other.add(m);
			}
			else if (m == null) otherKinds.add(OvDiff.extractorKind(s.extractorId()).toUpperCase(Locale.ROOT));
		}
		List<String> classes = List.of(className);
		if (!other.isEmpty()) return OvDiff.missing("the prototype bank " + directory + " has '" + className + "' only " +
			"as built " + String.join("; and as built ", other), "build it for this model and settings (it is added " +
			"beside the existing files) or open the bank with the model and settings it was built with", directory,
			classes, List.of());
		String kind = OvDiff.extractorKind(extractorId);
		String upper = kind.toUpperCase(Locale.ROOT);
		if (otherKinds.contains(upper)) return OvDiff.missing("the prototype bank " + directory + " has '" + className +
			"' for the features of another " + upper + " model", "give the " + upper + " model it was built with, or " +
			"build it with this one", directory, classes, List.of(kind));
		if (!otherKinds.isEmpty() && !kind.equals("sd")) return OvDiff.missing("the prototype bank " + directory +
			" has '" + className + "' for " + String.join(" and ", otherKinds) + " features but not for " + upper,
			"build it with " + upper + " too, or segment without " + upper, directory, classes, List.of(kind));
		return OvDiff.missing("the prototype bank " + directory + " has no prototypes for '" + className +
			"' (extractor " + extractorId + ")", "build them first", directory, classes, List.of());
	}

	/** Null when a file fits this bank's model and settings; otherwise how it differs. */
	private String mismatch(Summary s) {
		if (!s.modelIdentity().equals(modelIdentity)) return "with another model (" + s.modelIdentity() +
			", the current one is " + modelIdentity + ")";
		if (!s.settings().equals(settings)) {
			List<String> diff = new ArrayList<>();
			TreeSet<String> keys = new TreeSet<>(settings.keySet());
			keys.addAll(s.settings().keySet());
			for (String k : keys) {
				String a = s.settings().get(k), b = settings.get(k);
				if (a == null ? b != null : !a.equals(b)) diff.add(k + " " + a + " instead of " + b);
			}
			return "with other settings (" + String.join(", ", diff) + ")";
		}
		return null;
	}

	private boolean compatible(Summary s) {
		return mismatch(s) == null;
	}

	private static void put(Map<String, BankFile.Tensor> tensors, String g, Prototypes.Group group) {
		NDArray v = group.vectors(), l = group.partLabels();
		tensors.put(g + ".vectors", BankFile.Tensor.floats(v.toType(DataType.FLOAT32, false).toFloatArray(),
			v.getShape().getShape()));
		tensors.put(g + ".part_labels", BankFile.Tensor.ints(l.toType(DataType.INT32, false).toIntArray(),
			l.getShape().getShape()));
	}

	private static JsonArray origins(Prototypes.Group g) {
		JsonArray a = new JsonArray();
		for (Prototypes.Origin o : g.origins()) {
			JsonObject j = new JsonObject();
			j.addProperty("kind", o.kind().name().toLowerCase(java.util.Locale.ROOT));
			j.addProperty("support_image", o.supportImage());
			j.addProperty("part", o.part());
			j.addProperty("pixels", o.pixels());
			a.add(j);
		}
		return a;
	}

	private static Prototypes.Group group(NDManager m, Path f, BankFile.Contents c, String g, JsonObject doc)
		throws IOException
	{
		BankFile.Tensor v = c.tensors().get(g + ".vectors"), l = c.tensors().get(g + ".part_labels");
		if (v == null || l == null || v.dtype() != SafeTensors.Dtype.F32 || l.dtype() != SafeTensors.Dtype.I32)
			throw BankFile.damaged(f, "it lacks the " + g + " tensors");
		List<Prototypes.Origin> origins = new ArrayList<>();
		for (JsonElement e : array(f, doc, g)) {
			JsonObject o = e.getAsJsonObject();
			origins.add(new Prototypes.Origin(Prototypes.Kind.valueOf(o.get("kind").getAsString().toUpperCase(
				java.util.Locale.ROOT)), o.get("support_image").getAsInt(), o.get("part").getAsInt(),
				o.get("pixels").getAsLong()));
		}
		return new Prototypes.Group(create(m, v, DataType.FLOAT32), origins, create(m, l, DataType.INT32));
	}

	private static NDArray create(NDManager m, BankFile.Tensor t, DataType type) {
		Shape shape = new Shape(t.shape());
		if (shape.size() == 0) return type == DataType.FLOAT32 ? m.zeros(shape) : m.zeros(shape, DataType.INT32);
		if (type == DataType.FLOAT32) {
			float[] v = new float[(int) shape.size()];
			t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
			return m.create(v, shape);
		}
		int[] v = new int[(int) shape.size()];
		t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
		return m.create(v, shape);
	}

	private static JsonObject parse(Path f, String document) throws BankFile.DamagedException {
		try {
			JsonObject o = JsonParser.parseString(document).getAsJsonObject();
			if (!FORMAT.equals(o.get("format").getAsString())) throw BankFile.damaged(f, "it is not a prototype file");
			if (o.get("version").getAsInt() != VERSION) throw BankFile.damaged(f, "it has format version " +
				o.get("version") + "; this DiffSeg reads version " + VERSION);
			return o;
		}
		catch (RuntimeException e) {
			throw BankFile.damaged(f, "its document is not valid: " + e.getMessage());
		}
	}

	private static Summary summary(Path f, JsonObject doc) throws BankFile.DamagedException {
		try {
			Map<String, String> s = new TreeMap<>();
			for (Map.Entry<String, JsonElement> e : doc.getAsJsonObject("settings").entrySet()) s.put(e.getKey(),
				e.getValue().getAsString());
			return new Summary(f, doc.get("class").getAsString(), doc.get("extractor").getAsString(),
				doc.get("model").getAsString(), Collections.unmodifiableMap(s), doc.get("stuff").getAsBoolean());
		}
		catch (RuntimeException e) {
			throw BankFile.damaged(f, "its document lacks a field: " + e.getMessage());
		}
	}

	private static JsonArray array(Path f, JsonObject doc, String key) throws BankFile.DamagedException {
		JsonElement e = doc.get(key);
		if (e == null || !e.isJsonArray()) throw BankFile.damaged(f, "its document lacks '" + key + "'");
		return e.getAsJsonArray();
	}
}
