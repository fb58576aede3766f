package org.diffseg.sd.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading model config.json files: typed getters with the library defaults, errors that name the file. */
public final class Json {
	private final Path file;
	private final JsonObject root;

	private Json(Path file, JsonObject root) {
		this.file = file;
		this.root = root;
	}

	public static Json read(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new IOException(file + " is missing: a model folder needs it (download " +
			"the complete folder, including every config.json).");
		try {
			JsonElement e = JsonParser.parseString(Files.readString(file));
			if (!e.isJsonObject()) throw new IOException(file + " is not a JSON object.");
			return new Json(file, e.getAsJsonObject());
		}
		catch (RuntimeException e) {
			throw new IOException(file + " is not valid JSON: " + e.getMessage());
		}
	}

	public static Json of(Path file, JsonObject o) {
		return new Json(file, o);
	}

	public Path file() {
		return file;
	}

	public JsonObject raw() {
		return root;
	}

	public boolean has(String key) {
		return root.has(key) && !root.get(key).isJsonNull();
	}

	public int getInt(String key, int def) {
		return has(key) ? num(key).intValue() : def;
	}

	public int getInt(String key) {
		return num(require(key)).intValue();
	}

	public double getDouble(String key, double def) {
		return has(key) ? num(key).doubleValue() : def;
	}

	public boolean getBool(String key, boolean def) {
		return has(key) ? root.get(key).getAsBoolean() : def;
	}

	public String getString(String key, String def) {
		return has(key) ? root.get(key).getAsString() : def;
	}

	public Json child(String key) {
		if (!has(key) || !root.get(key).isJsonObject()) throw bad(key, "an object");
		return new Json(file, root.getAsJsonObject(key));
	}

	/** An int list; a single int is repeated {@code n} times (diffusers' int-or-list options). */
	public int[] getIntList(String key, int n, int[] def) {
		if (!has(key)) return def;
		JsonElement e = root.get(key);
		if (e.isJsonArray()) {
			JsonArray a = e.getAsJsonArray();
			int[] out = new int[a.size()];
			for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
			return out;
		}
		int[] out = new int[n];
		java.util.Arrays.fill(out, e.getAsInt());
		return out;
	}

	public String[] getStringList(String key, String[] def) {
		if (!has(key)) return def;
		if (!root.get(key).isJsonArray()) throw bad(key, "a list");
		JsonArray a = root.getAsJsonArray(key);
		String[] out = new String[a.size()];
		for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsString();
		return out;
	}

	private String require(String key) {
		if (!has(key)) throw new IllegalArgumentException(file + " lacks the required key '" + key + "'.");
		return key;
	}

	private Number num(String key) {
		try {
			return root.get(key).getAsNumber();
		}
		catch (RuntimeException e) {
			throw bad(key, "a number");
		}
	}

	private IllegalArgumentException bad(String key, String what) {
		return new IllegalArgumentException(file + ": '" + key + "' should be " + what + ".");
	}
}
