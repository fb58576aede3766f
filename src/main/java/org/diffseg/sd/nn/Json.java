package org.diffseg.sd.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading model config.json files. The typed getters ({@link #integer}, {@link #ints}, {@link #number},
 * {@link #bool}, {@link #string}, {@link #strings}) check the JSON type and the bounds the caller gives, and fail
 * with a {@link ConfigException} naming the file, the key, the value and what is expected; a value of the wrong
 * JSON type never reaches Gson's converters (no NumberFormatException or ClassCastException). An absent key, or
 * one set to JSON null, takes the caller's default (the library default, as in diffusers/transformers, where null
 * means "not set"); the getters without a default require the key.
 */
public final class Json {
	/** Largest config file read (real ones are a few KB; a tokenizer_config.json with added tokens, some 100 KB). */
	public static final long MAX_FILE_BYTES = 16L << 20;
	private static final Pattern LOCATION = Pattern.compile("line (\\d+) column (\\d+)");

	private final Path file;
	private final String prefix;
	private final JsonObject root;

	private Json(Path file, String prefix, JsonObject root) {
		this.file = file;
		this.prefix = prefix;
		this.root = root;
	}

	/** Reads a JSON object file; a missing, oversized, non-UTF-8 or malformed file ends in one clear message. */
	public static Json read(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new IOException(file + " is missing: a model folder needs it (download " +
			"the complete folder, including every config.json).");
		return new Json(file, "", readObject(file, "a model config"));
	}

	/**
	 * The JSON object in a file, or an IOException naming the file, the problem (with its line and column for a
	 * syntax error) and the fix; never a parser's own message.
	 *
	 * @param what what the file should be, for the message (e.g. "a model config")
	 */
	public static JsonObject readObject(Path file, String what) throws IOException {
		long size = Files.size(file);
		if (size > MAX_FILE_BYTES) throw new IOException(file + " is " + size + " bytes, too large for " + what +
			" (at most " + MAX_FILE_BYTES + "): it is not the right file. Download it again.");
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
				.toString();
		}
		catch (CharacterCodingException e) {
			throw new IOException(file + " is not UTF-8 text, so not " + what + " (JSON): download it again.");
		}
		JsonElement e;
		try {
			e = JsonParser.parseString(text);
		}
		catch (RuntimeException | StackOverflowError x) {
			throw new IOException(file + " is not valid JSON" + location(x.getMessage()) + ", so not " + what +
				": download it again.");
		}
		if (!e.isJsonObject()) throw new IOException(file + " holds " + kind(e) + ", not a JSON object {...}, so " +
			"not " + what + ": download it again.");
		return e.getAsJsonObject();
	}

	/** " (at line L, column C)" from a Gson message, or "". */
	public static String location(String parserMessage) {
		if (parserMessage == null) return "";
		Matcher m = LOCATION.matcher(parserMessage);
		return m.find() ? " (at line " + m.group(1) + ", column " + m.group(2) + ")" : "";
	}

	public static Json of(Path file, JsonObject o) {
		return new Json(file, "", o);
	}

	/** A config nested in another file's object; keys are reported as {@code prefix.key}. */
	public static Json of(Path file, String prefix, JsonObject o) {
		return new Json(file, prefix == null ? "" : prefix, o);
	}

	public Path file() {
		return file;
	}

	public JsonObject raw() {
		return root;
	}

	/** The key as reported in messages: dotted for nested objects. */
	public String path(String key) {
		return prefix.isEmpty() ? key : prefix + "." + key;
	}

	/** Present and not JSON null. */
	public boolean has(String key) {
		return root.has(key) && !root.get(key).isJsonNull();
	}

	// ---- typed, bounded getters --------------------------------------------------------------------------------

	/** A required integer in [min, max]. */
	public int integer(String key, int min, int max) throws ConfigException {
		if (!has(key)) throw missing(key, range(min, max));
		return toInt(key, root.get(key), min, max);
	}

	/** An optional integer in [min, max]; absent or null gives {@code def}. */
	public int integer(String key, int def, int min, int max) throws ConfigException {
		return has(key) ? toInt(key, root.get(key), min, max) : def;
	}

	/**
	 * diffusers' int-or-list options: a single integer (repeated {@code n} times) or a list of exactly {@code n}
	 * integers, each in [min, max]. Required.
	 */
	public int[] ints(String key, int n, int min, int max) throws ConfigException {
		String what = "an integer from " + min + " to " + max + ", or a list of " + n + " of them";
		if (!has(key)) throw missing(key, what);
		JsonElement e = root.get(key);
		if (!e.isJsonArray()) {
			int v = toInt(key, e, min, max, what);
			int[] out = new int[n];
			java.util.Arrays.fill(out, v);
			return out;
		}
		JsonArray a = e.getAsJsonArray();
		if (a.size() != n) throw invalid(key, what + " (one per block)");
		int[] out = new int[n];
		for (int i = 0; i < n; i++) out[i] = toInt(key, a.get(i), min, max, what);
		return out;
	}

	/** Like {@link #ints(String, int, int, int)}, with {@code def} when the key is absent or null. */
	public int[] ints(String key, int n, int min, int max, int def) throws ConfigException {
		if (has(key)) return ints(key, n, min, max);
		int[] out = new int[n];
		java.util.Arrays.fill(out, def);
		return out;
	}

	/** A required list, {@code minLength} to {@code maxLength} long; {@code what} names what it must be. */
	private JsonArray list(String key, int minLength, int maxLength, String what) throws ConfigException {
		if (!has(key)) throw missing(key, what);
		JsonElement e = root.get(key);
		if (!e.isJsonArray() || e.getAsJsonArray().size() < minLength || e.getAsJsonArray().size() > maxLength)
			throw invalid(key, what);
		return e.getAsJsonArray();
	}

	/** A required list of integers, {@code minLength} to {@code maxLength} long, each in [min, max]. */
	public int[] intList(String key, int minLength, int maxLength, int min, int max) throws ConfigException {
		String what = "a list of " + lengths(minLength, maxLength) + " integers from " + min + " to " + max;
		JsonArray a = list(key, minLength, maxLength, what);
		int[] out = new int[a.size()];
		for (int i = 0; i < out.length; i++) out[i] = toInt(key, a.get(i), min, max, what);
		return out;
	}

	/** An optional finite number in [min, max]; absent or null gives {@code def}. */
	public double number(String key, double def, double min, double max) throws ConfigException {
		if (!has(key)) return def;
		JsonElement e = root.get(key);
		String what = "a number from " + min + " to " + max;
		if (!isNumber(e)) throw invalid(key, what);
		double v = e.getAsDouble();
		if (!Double.isFinite(v) || v < min || v > max) throw invalid(key, what);
		return v;
	}

	/** An optional boolean ({@code true} or {@code false}, not a string); absent or null gives {@code def}. */
	public boolean bool(String key, boolean def) throws ConfigException {
		if (!has(key)) return def;
		JsonElement e = root.get(key);
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw invalid(key, "true or false");
		return e.getAsBoolean();
	}

	/** An optional string; absent or null gives {@code def}. */
	public String string(String key, String def) throws ConfigException {
		if (!has(key)) return def;
		JsonElement e = root.get(key);
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw invalid(key, "a string");
		return e.getAsString();
	}

	/** A required list of strings, {@code minLength} to {@code maxLength} long. */
	public String[] strings(String key, int minLength, int maxLength) throws ConfigException {
		String what = "a list of " + lengths(minLength, maxLength) + " strings";
		JsonArray a = list(key, minLength, maxLength, what);
		String[] out = new String[a.size()];
		for (int i = 0; i < out.length; i++) {
			JsonElement x = a.get(i);
			if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) throw invalid(key, what);
			out[i] = x.getAsString();
		}
		return out;
	}

	/** A required nested object, as a Json whose keys are reported as {@code key.inner}. */
	public Json object(String key) throws ConfigException {
		if (!has(key)) throw missing(key, "an object {...}");
		if (!root.get(key).isJsonObject()) throw invalid(key, "an object {...}");
		return new Json(file, path(key), root.getAsJsonObject(key));
	}

	/** An error for a key whose value (as in the file) is not what is expected (e.g. a cross-key check). */
	public ConfigException invalid(String key, String expected) {
		JsonElement e = root.get(key);
		return new ConfigException(file, path(key), e == null ? null : e.toString(), expected);
	}

	/** Like {@link #invalid(String, String)}, with the sentence that tells the user what to do. */
	public ConfigException invalid(String key, String expected, String fix) {
		JsonElement e = root.get(key);
		return new ConfigException(file, path(key), e == null ? null : e.toString(), expected, fix);
	}

	/** An error for a required key that is absent or null. */
	public ConfigException missing(String key, String expected) {
		JsonElement e = root.get(key);
		return new ConfigException(file, path(key), e == null ? null : "null", expected);
	}

	private int toInt(String key, JsonElement e, int min, int max) throws ConfigException {
		return toInt(key, e, min, max, range(min, max));
	}

	/** An integer-valued JSON number (32 or 32.0, not 32.5, "32" or 1e400) in [min, max]. */
	private int toInt(String key, JsonElement e, int min, int max, String what) throws ConfigException {
		if (!isNumber(e) || e.getAsJsonPrimitive().getAsString().length() > 64) throw invalid(key, what);
		BigDecimal v;
		try {
			v = new BigDecimal(e.getAsJsonPrimitive().getAsString());
		}
		catch (NumberFormatException x) {
			throw invalid(key, what);
		}
		if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0 ||
			v.stripTrailingZeros().scale() > 0) throw invalid(key, what);
		return v.intValueExact();
	}

	private static boolean isNumber(JsonElement e) {
		return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
	}

	private static String range(int min, int max) {
		return "an integer from " + min + " to " + max;
	}

	private static String lengths(int min, int max) {
		return min == max ? String.valueOf(min) : min + " to " + max;
	}

	private static String kind(JsonElement e) {
		if (e.isJsonArray()) return "a list";
		if (e.isJsonNull()) return "null";
		JsonPrimitive p = e.getAsJsonPrimitive();
		return p.isString() ? "a string" : p.isNumber() ? "a number" : "a boolean";
	}

	// ---- unchecked getters, kept for callers outside the model loaders -----------------------------------------
	// They check the JSON type as the typed getters do, but throw IllegalArgumentException with the same message.
	// Anything that sizes a tensor or a loop must use the bounded getters above.

	public String getString(String key, String def) {
		try {
			return string(key, def);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	public boolean getBool(String key, boolean def) {
		try {
			return bool(key, def);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	public double getDouble(String key, double def) {
		try {
			return number(key, def, -Double.MAX_VALUE, Double.MAX_VALUE);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	public String[] getStringList(String key, String[] def) {
		if (!has(key)) return def;
		try {
			return strings(key, 0, Integer.MAX_VALUE);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	public Json child(String key) {
		try {
			return object(key);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/** @deprecated unbounded: anything that sizes a tensor or a loop must use {@link #integer(String, int, int, int)} */
	@Deprecated
	public int getInt(String key, int def) {
		try {
			return integer(key, def, Integer.MIN_VALUE, Integer.MAX_VALUE);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/** @deprecated unbounded: anything that sizes a tensor or a loop must use {@link #integer(String, int, int)} */
	@Deprecated
	public int getInt(String key) {
		try {
			return integer(key, Integer.MIN_VALUE, Integer.MAX_VALUE);
		}
		catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}
}
