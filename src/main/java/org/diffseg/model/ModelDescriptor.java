package org.diffseg.model;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * What a supported model is and where to get it: the content of one {@code models/descriptors/NAME.json}.
 * <p>
 * Format (JSON object): {@code name}, {@code type} (e.g. {@code stable-diffusion}, {@code clip}, {@code dino}),
 * {@code description}, optional {@code homepage} and {@code note}, {@code baseUrl} (each file is fetched from
 * baseUrl + its path), {@code licence} ({@code name}, {@code url}, {@code acknowledgementRequired}) and
 * {@code files}: a list of {@code {path, size, sha256}} where size and sha256 may be {@code null} when unknown.
 */
public record ModelDescriptor(String name, String type, String description, String homepage, String note,
	URI baseUrl, Licence licence, List<ModelFile> files)
{
	public ModelDescriptor {
		if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"))
			throw new IllegalArgumentException("model name '" + name + "' must be letters, digits, '.', '_' or '-'");
		if (licence == null) throw new IllegalArgumentException(name + ": no licence");
		if (files == null || files.isEmpty()) throw new IllegalArgumentException(name + ": no files");
		files = List.copyOf(files);
		Set<String> seen = new HashSet<>();
		for (ModelFile f : files)
			if (!seen.add(f.path())) throw new IllegalArgumentException(name + ": file '" + f.path() + "' listed twice");
		baseUrl = directoryUrl(name, baseUrl);
	}

	/** The same model fetched from another location (a mirror, a local test server). */
	public ModelDescriptor withBaseUrl(URI url) {
		return new ModelDescriptor(name, type, description, homepage, note, url, licence, files);
	}

	/** Where one of this model's files is downloaded from. */
	public URI url(ModelFile file) {
		StringBuilder encoded = new StringBuilder();
		for (String part : file.path().split("/")) {
			if (encoded.length() > 0) encoded.append('/');
			encoded.append(java.net.URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
		}
		return baseUrl.resolve(encoded.toString());
	}

	/** Total bytes, or -1 when the size of some file is unknown. */
	public long totalSize() {
		long total = 0;
		for (ModelFile f : files) {
			if (f.size() == null) return -1;
			total += f.size();
		}
		return total;
	}

	/** The files whose content cannot be verified after download. */
	public List<ModelFile> unverifiableFiles() {
		return files.stream().filter(f -> !f.verifiable()).toList();
	}

	public static ModelDescriptor read(Path json) throws IOException {
		try (Reader r = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
			return parse(r);
		}
		catch (IllegalArgumentException e) {
			throw new IOException(json + ": " + e.getMessage() + ". Fix the model descriptor.", e);
		}
	}

	/** Parses a descriptor; malformed content raises IllegalArgumentException naming the bad field. */
	public static ModelDescriptor parse(Reader json) {
		JsonElement root;
		try {
			root = JsonParser.parseReader(json);
		}
		catch (JsonParseException e) {
			throw new IllegalArgumentException("not valid JSON (" + e.getMessage() + ")", e);
		}
		if (!root.isJsonObject()) throw new IllegalArgumentException("a model descriptor must be a JSON object");
		JsonObject o = root.getAsJsonObject();
		JsonObject lic = object(o, "licence");
		Licence licence = new Licence(string(lic, "name", true), string(lic, "url", true),
			lic.has("acknowledgementRequired") && lic.get("acknowledgementRequired").getAsBoolean());
		List<ModelFile> files = new ArrayList<>();
		if (!o.has("files") || !o.get("files").isJsonArray()) throw new IllegalArgumentException("'files' must be a list");
		for (JsonElement e : o.getAsJsonArray("files")) {
			if (!e.isJsonObject()) throw new IllegalArgumentException("each entry of 'files' must be an object");
			JsonObject f = e.getAsJsonObject();
			JsonElement size = f.get("size");
			Long sizeValue = size == null || size.isJsonNull() ? null : size.getAsLong();
			files.add(new ModelFile(string(f, "path", true), sizeValue, string(f, "sha256", false)));
		}
		String base = string(o, "baseUrl", true);
		URI baseUrl;
		try {
			baseUrl = new URI(base);
		}
		catch (URISyntaxException e) {
			throw new IllegalArgumentException("baseUrl '" + base + "' is not a URL", e);
		}
		return new ModelDescriptor(string(o, "name", true), string(o, "type", false), string(o, "description", false),
			string(o, "homepage", false), string(o, "note", false), baseUrl, licence, files);
	}

	private static URI directoryUrl(String name, URI url) {
		if (url == null || !url.isAbsolute() || url.getScheme() == null)
			throw new IllegalArgumentException(name + ": baseUrl must be an absolute URL");
		String scheme = url.getScheme().toLowerCase(java.util.Locale.ROOT);
		if (!scheme.equals("https") && !scheme.equals("http"))
			throw new IllegalArgumentException(name + ": baseUrl must be an http(s) URL, not " + url);
		String s = url.toString();
		return s.endsWith("/") ? url : URI.create(s + "/");
	}

	private static JsonObject object(JsonObject o, String key) {
		if (!o.has(key) || !o.get(key).isJsonObject()) throw new IllegalArgumentException("'" + key + "' must be an object");
		return o.getAsJsonObject(key);
	}

	private static String string(JsonObject o, String key, boolean required) {
		JsonElement e = o.get(key);
		if (e == null || e.isJsonNull()) {
			if (required) throw new IllegalArgumentException("'" + key + "' is missing");
			return null;
		}
		if (!e.isJsonPrimitive()) throw new IllegalArgumentException("'" + key + "' must be a string");
		return e.getAsString();
	}
}
