package org.diffseg.model;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The supported models: every {@code *.json} descriptor of a folder (or of the jar), by name. */
public final class ModelCatalog {

	/** Where descriptors live inside the jar when the build copies {@code models/descriptors/} there. */
	public static final String RESOURCE_FOLDER = "org/diffseg/model/descriptors";

	/** Where descriptors live in a source checkout. */
	public static final Path SOURCE_FOLDER = Path.of("models", "descriptors");

	private final Map<String, ModelDescriptor> models;

	private ModelCatalog(Map<String, ModelDescriptor> models) {
		this.models = Collections.unmodifiableMap(models);
	}

	/** Reads every descriptor in a folder; a malformed one is an error naming the file. */
	public static ModelCatalog fromFolder(Path folder) throws IOException {
		if (!Files.isDirectory(folder)) throw new IOException(folder +
			": no such folder of model descriptors. Give the folder holding the NAME.json descriptor files.");
		List<Path> files;
		try (Stream<Path> s = Files.list(folder)) {
			files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
		}
		Map<String, ModelDescriptor> models = new TreeMap<>();
		for (Path f : files) add(models, ModelDescriptor.read(f), f.toString());
		return new ModelCatalog(models);
	}

	/** The descriptors shipped inside DiffSeg's jar (empty when the build did not package any). */
	public static ModelCatalog builtIn() throws IOException {
		return builtIn(ModelCatalog.class.getClassLoader());
	}

	/** The descriptors under {@link #RESOURCE_FOLDER} as seen by {@code loader} (a jar or a folder on its path). */
	static ModelCatalog builtIn(ClassLoader loader) throws IOException {
		URL url = loader.getResource(RESOURCE_FOLDER);
		Map<String, ModelDescriptor> models = new TreeMap<>();
		if (url == null) return new ModelCatalog(models);
		URI uri;
		try {
			uri = url.toURI();
		}
		catch (URISyntaxException e) {
			throw new IOException("cannot list the built-in model descriptors at " + url, e);
		}
		if (uri.getScheme().equals("jar")) {
			FileSystem fs;
			boolean opened = false;
			try {
				fs = FileSystems.newFileSystem(uri, Map.of());
				opened = true;
			}
			catch (FileSystemAlreadyExistsException e) {
				fs = FileSystems.getFileSystem(uri);
			}
			try {
				readResources(fs.provider().getPath(uri), models);
			}
			finally {
				if (opened) fs.close();
			}
		}
		else readResources(Path.of(uri), models);
		return new ModelCatalog(models);
	}

	/**
	 * The catalog a user most likely means: the jar's descriptors, or, when running from a source checkout whose jar
	 * has none, {@code models/descriptors} under the working directory.
	 */
	public static ModelCatalog standard() throws IOException {
		ModelCatalog builtIn = builtIn();
		ModelCatalog c = !builtIn.models.isEmpty() || !Files.isDirectory(SOURCE_FOLDER) ? builtIn : fromFolder(SOURCE_FOLDER);
		String extra = System.getProperty(EXTRA_PROPERTY);
		if (extra == null || extra.isBlank()) return c;
		Map<String, ModelDescriptor> all = new TreeMap<>(c.models);
		all.putAll(fromFolder(Path.of(extra)).models);
		return new ModelCatalog(all);
	}

	/**
	 * A Java system property naming a folder of further descriptors (a site's own models or mirrors, or a test's),
	 * added to the standard catalogue; one of the same name replaces the shipped one.
	 */
	public static final String EXTRA_PROPERTY = "diffseg.descriptors";

	private static void readResources(Path folder, Map<String, ModelDescriptor> models) throws IOException {
		List<Path> files;
		try (Stream<Path> s = Files.list(folder)) {
			files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
		}
		for (Path f : files) {
			try (Reader r = new InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8)) {
				add(models, ModelDescriptor.parse(r), f.toString());
			}
			catch (IllegalArgumentException e) {
				throw new IOException(f + ": " + e.getMessage(), e);
			}
		}
	}

	private static void add(Map<String, ModelDescriptor> models, ModelDescriptor d, String source) throws IOException {
		if (models.putIfAbsent(d.name(), d) != null)
			throw new IOException(source + ": a second descriptor for model '" + d.name() + "'");
	}

	public List<ModelDescriptor> models() {
		return new ArrayList<>(models.values());
	}

	public Optional<ModelDescriptor> find(String name) {
		return Optional.ofNullable(models.get(name));
	}

	/** The named model, or an error listing the known names. */
	public ModelDescriptor get(String name) {
		ModelDescriptor d = models.get(name);
		if (d == null) throw new IllegalArgumentException("unknown model '" + name + "'. Known models: " +
			(models.isEmpty() ? "none (no descriptors found)" : String.join(", ", models.keySet())) + ".");
		return d;
	}
}
