package org.diffseg.updatesite;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * What goes on the update site ({@code update-site/site.json}): the project jar, Maven artifacts taken from the
 * local Maven repository (each with its published name and platforms), folders of files such as script plugins,
 * and the runtime dependencies left out because Fiji already ships them (or because only the command line needs
 * them). Resolving checks that every entry of the project jar's {@code Class-Path} is either published or
 * deliberately left out, so a new dependency cannot be forgotten.
 */
public record UpdateSiteConfig(ProjectJar projectJar, List<MavenFile> maven, List<Tree> trees,
	List<String> providedByFiji, List<String> notNeededInFiji)
{
	/** The project's own jar; {@code ${version}} in the path becomes its Implementation-Version. */
	public record ProjectJar(String path, String description) {}

	/** A Maven artifact {@code group:artifact:version[:classifier]} published under {@code path}. */
	public record MavenFile(String coordinates, String path, List<String> platforms, String description) {

		String[] parts() {
			String[] p = coordinates.split(":");
			if (p.length < 3 || p.length > 4) throw new IllegalArgumentException("Maven coordinates '" + coordinates +
				"' must be group:artifact:version[:classifier]");
			return p;
		}

		/** The artifact's file name as Maven names it ({@code artifact-version[-classifier].jar}). */
		public String mavenFileName() {
			String[] p = parts();
			return p[1] + "-" + p[2] + (p.length == 4 ? "-" + p[3] : "") + ".jar";
		}

		/** Where the artifact lies in a local Maven repository. */
		public Path in(Path repository) {
			String[] p = parts();
			Path dir = repository;
			for (String g : p[0].split("\\.")) dir = dir.resolve(g);
			return dir.resolve(p[1]).resolve(p[2]).resolve(mavenFileName());
		}

		/** The command that puts the artifact into the local repository. */
		public String fetchCommand() {
			String[] p = parts();
			return "mvn -B dependency:get -Dtransitive=false -Dartifact=" + p[0] + ":" + p[1] + ":" + p[2] + ":jar" +
				(p.length == 4 ? ":" + p[3] : "");
		}
	}

	/** Every file under {@code from} (relative to the project root) published under {@code to}. */
	public record Tree(String from, String to) {}

	public UpdateSiteConfig {
		maven = List.copyOf(maven);
		trees = List.copyOf(trees);
		providedByFiji = List.copyOf(providedByFiji);
		notNeededInFiji = List.copyOf(notNeededInFiji);
	}

	/** The local Maven repository: {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}. */
	public static Path defaultMavenRepository() {
		String local = System.getProperty("maven.repo.local");
		return local != null ? Path.of(local) : Path.of(System.getProperty("user.home"), ".m2", "repository");
	}

	public static UpdateSiteConfig read(Path json) throws IOException {
		try (Reader r = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
			return parse(JsonParser.parseReader(r));
		}
		catch (JsonParseException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
			throw new IOException(json + ": " + e.getMessage() + ". Fix the update site configuration.", e);
		}
	}

	static UpdateSiteConfig parse(JsonElement root) {
		JsonObject o = root.getAsJsonObject();
		ProjectJar jar = null;
		if (o.has("projectJar")) {
			JsonObject p = o.getAsJsonObject("projectJar");
			jar = new ProjectJar(p.get("path").getAsString(), string(p, "description"));
		}
		List<MavenFile> maven = new ArrayList<>();
		for (JsonElement e : array(o, "maven")) {
			JsonObject m = e.getAsJsonObject();
			List<String> platforms = new ArrayList<>();
			if (m.has("platform")) platforms.add(m.get("platform").getAsString());
			MavenFile f = new MavenFile(m.get("coordinates").getAsString(), m.get("path").getAsString(), platforms,
				string(m, "description"));
			f.parts();
			maven.add(f);
		}
		List<Tree> trees = new ArrayList<>();
		for (JsonElement e : array(o, "trees")) {
			JsonObject t = e.getAsJsonObject();
			trees.add(new Tree(t.get("from").getAsString(), t.get("to").getAsString()));
		}
		return new UpdateSiteConfig(jar, maven, trees, strings(o, "providedByFiji"), strings(o, "notNeededInFiji"));
	}

	/**
	 * The files to publish.
	 *
	 * @param projectRoot folder that tree sources are relative to
	 * @param jarFile the built project jar (required when the configuration has a project jar)
	 * @param repository the local Maven repository
	 */
	public List<SiteFile> resolve(Path projectRoot, Path jarFile, Path repository) throws IOException {
		List<SiteFile> files = new ArrayList<>();
		List<String> neutralJars = new ArrayList<>();
		for (MavenFile m : maven) {
			Path source = m.in(repository);
			if (!Files.isRegularFile(source)) throw new IOException(m.coordinates() + " is not in the local Maven " +
				"repository " + repository + ". Fetch it with: " + m.fetchCommand());
			files.add(new SiteFile(m.path(), source, m.platforms(), m.description(), List.of()));
			if (m.platforms().isEmpty() && m.path().endsWith(".jar")) neutralJars.add(m.path());
		}
		if (projectJar != null) {
			if (jarFile == null || !Files.isRegularFile(jarFile)) throw new IOException("the project jar " + jarFile +
				" does not exist; build it first (mvn -B package -DskipTests)");
			Manifest manifest;
			try (JarFile jar = new JarFile(jarFile.toFile())) {
				manifest = jar.getManifest();
			}
			String version = manifest == null ? null : manifest.getMainAttributes().getValue("Implementation-Version");
			if (projectJar.path().contains("${version}") && version == null) throw new IOException(jarFile +
				" has no Implementation-Version in its manifest, needed for " + projectJar.path());
			String path = projectJar.path().replace("${version}", version == null ? "" : version);
			checkClassPath(jarFile, manifest);
			// The project jar depends on every platform-neutral library, so installing it pulls them in.
			files.add(0, new SiteFile(path, jarFile, List.of(), projectJar.description(), neutralJars));
		}
		for (Tree t : trees) {
			Path from = projectRoot.resolve(t.from());
			if (!Files.isDirectory(from)) continue;
			try (Stream<Path> s = Files.walk(from)) {
				for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
					String rel = from.relativize(p).toString().replace('\\', '/');
					if (rel.startsWith(".") || rel.contains("/.")) continue; // .gitkeep and other dot files
					files.add(new SiteFile(t.to() + "/" + rel, p));
				}
			}
		}
		return files;
	}

	/** Every library the jar's manifest names must be published or deliberately left out. */
	private void checkClassPath(Path jarFile, Manifest manifest) throws IOException {
		String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
		if (classPath == null) return;
		List<String> unaccounted = new ArrayList<>();
		for (String entry : classPath.trim().split("\\s+")) {
			String name = entry.substring(entry.lastIndexOf('/') + 1);
			boolean published = maven.stream().anyMatch(m -> m.mavenFileName().equals(name));
			boolean leftOut = Stream.concat(providedByFiji.stream(), notNeededInFiji.stream())
				.anyMatch(ga -> isArtifact(name, ga));
			if (!published && !leftOut) unaccounted.add(name);
		}
		if (!unaccounted.isEmpty()) throw new IOException(jarFile + " needs " + String.join(", ", unaccounted) +
			", which the update site configuration neither publishes (\"maven\") nor lists as provided by Fiji " +
			"(\"providedByFiji\") or not needed there (\"notNeededInFiji\"): add each to one of them");
	}

	/** Whether a Maven file name ({@code artifact-version[-classifier].jar}) is of {@code group:artifact}. */
	static boolean isArtifact(String fileName, String groupArtifact) {
		String artifact = groupArtifact.substring(groupArtifact.indexOf(':') + 1);
		return fileName.startsWith(artifact + "-") && fileName.length() > artifact.length() + 1 &&
			Character.isDigit(fileName.charAt(artifact.length() + 1));
	}

	private static JsonArray array(JsonObject o, String key) {
		return o.has(key) ? o.getAsJsonArray(key) : new JsonArray();
	}

	private static List<String> strings(JsonObject o, String key) {
		List<String> list = new ArrayList<>();
		for (JsonElement e : array(o, key)) list.add(e.getAsString());
		return list;
	}

	private static String string(JsonObject o, String key) {
		return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
	}
}
