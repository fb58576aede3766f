package org.diffseg.updatesite;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

import org.diffseg.cli.UpdateSiteCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The real update-site/site.json, resolved against a stand-in Maven repository of small jars. */
class UpdateSiteConfigTest {

	static final Path CONFIG = Path.of("update-site/site.json");

	@TempDir
	Path tmp;

	/** A repository with a small jar for every artifact the configuration publishes. */
	Path fakeRepository(UpdateSiteConfig cfg) throws IOException {
		Path repo = tmp.resolve("m2");
		for (UpdateSiteConfig.MavenFile m : cfg.maven())
			FakeJars.write(m.in(repo), new String[][] { { "id.txt", m.coordinates() } });
		return repo;
	}

	Path projectJar(String version, String classPath) throws IOException {
		Manifest mf = new Manifest();
		mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		mf.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
		mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
		Path jar = tmp.resolve("diffseg.jar");
		try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, mf)) {
			j.putNextEntry(new java.util.zip.ZipEntry("org/diffseg/A.class"));
			j.write(version.getBytes());
		}
		return jar;
	}

	@Test
	void publishesDjlAndPyTorchNativesForEveryPlatformDjlShips() throws IOException {
		UpdateSiteConfig cfg = UpdateSiteConfig.read(CONFIG);
		Map<String, List<String>> natives = cfg.maven().stream()
			.filter(m -> m.coordinates().startsWith("ai.djl.pytorch:pytorch-native-cpu:"))
			.collect(Collectors.toMap(m -> m.coordinates().substring(m.coordinates().lastIndexOf(':') + 1),
				UpdateSiteConfig.MavenFile::platforms));
		// pytorch-native-cpu 2.5.1 on Maven Central: linux-x86_64, osx-aarch64, win-x86_64 (no linux-aarch64).
		assertEquals(Map.of("linux-x86_64", List.of("linux64"), "osx-aarch64", List.of("macos-arm64"),
			"win-x86_64", List.of("win64")), natives);
		Set<String> neutral = cfg.maven().stream().filter(m -> m.platforms().isEmpty())
			.map(UpdateSiteConfig.MavenFile::coordinates).collect(Collectors.toSet());
		assertTrue(neutral.containsAll(List.of("ai.djl:api:0.32.0", "ai.djl.pytorch:pytorch-engine:0.32.0",
			"ai.djl.pytorch:pytorch-jni:2.5.1-0.32.0")), neutral.toString());
		// Natives go in jars/ (not jars/<platform>/, which Fiji puts on the module path) with the classifier
		// before the version, so that each keeps its own updater identity.
		Set<String> keys = new HashSet<>();
		for (UpdateSiteConfig.MavenFile m : cfg.maven()) {
			assertTrue(m.path().matches("jars/[^/]+\\.jar"), m.path());
			assertTrue(keys.add(SiteFile.key(m.path())), "identity clash: " + m.path());
			if (!m.platforms().isEmpty()) assertTrue(SiteFile.key(m.path()).contains(m.coordinates()
				.substring(m.coordinates().lastIndexOf(':') + 1)), m.path() + " loses its classifier");
		}
	}

	@Test
	void buildsTheConfiguredSiteAndCatchesForgottenDependencies() throws Exception {
		UpdateSiteConfig cfg = UpdateSiteConfig.read(CONFIG);
		Path repo = fakeRepository(cfg);
		Path root = tmp.resolve("project");
		Files.createDirectories(root.resolve("plugins/Scripts/Plugins/DiffSeg"));
		Files.writeString(root.resolve("plugins/Scripts/Plugins/DiffSeg/Segment_Folder.groovy"), "println 1\n");
		Files.writeString(root.resolve("plugins/.gitkeep"), "");
		Path jar = projectJar("1.2.3", "lib/api-0.32.0.jar lib/gson-2.10.1.jar lib/picocli-4.7.7.jar " +
			"lib/pytorch-native-cpu-2.5.1-linux-x86_64.jar lib/javacpp-1.5.10-linux-x86_64.jar");

		List<SiteFile> files = cfg.resolve(root, jar, repo);
		SiteFile main = files.get(0);
		assertEquals("jars/diffseg-1.2.3.jar", main.installPath());
		assertTrue(main.dependencies().contains("jars/djl-api-0.32.0.jar"), main.dependencies().toString());
		assertTrue(files.stream().anyMatch(f -> f.installPath().equals("plugins/Scripts/Plugins/DiffSeg/Segment_Folder.groovy")));
		assertTrue(files.stream().noneMatch(f -> f.installPath().contains(".gitkeep")));

		// Through the command line, twice: a first release, then one built against it.
		StringWriter out = new StringWriter();
		CommandLine cl = new CommandLine(new UpdateSiteCommand());
		cl.setOut(new PrintWriter(out));
		Path site1 = tmp.resolve("site1");
		assertEquals(0, cl.execute("--out", site1.toString(), "--config", CONFIG.toString(), "--jar", jar.toString(),
			"--maven-repo", repo.toString(), "--project-root", root.toString(), "--timestamp", "20260101000000"), out.toString());
		List<PluginRecord> records;
		try (InputStream in = Files.newInputStream(site1.resolve("db.xml.gz"))) {
			records = UpdateSiteDb.read(in);
		}
		assertEquals(files.size(), records.size());
		for (PluginRecord r : records) {
			SiteFile f = files.stream().filter(x -> x.installPath().equals(r.filename())).findFirst().orElseThrow();
			assertEquals(f.platforms(), r.platforms());
			assertEquals(ReferenceChecksum.of(f.installPath(), f.source()), r.version().checksum());
			assertTrue(Files.isRegularFile(site1.resolve(r.serverName())), r.serverName());
		}
		Path site2 = tmp.resolve("site2");
		assertEquals(0, cl.execute("--out", site2.toString(), "--config", CONFIG.toString(), "--jar", jar.toString(),
			"--maven-repo", repo.toString(), "--project-root", root.toString(), "--timestamp", "20260102000000",
			"--previous", site1.toString()));
		try (var s = Files.walk(site2)) {
			assertEquals(List.of(site2.resolve("db.xml.gz")), s.filter(Files::isRegularFile).toList(),
				"nothing changed: only the index is uploaded");
		}

		// A dependency the configuration does not mention stops the build.
		Path forgot = projectJar("1.2.4", "lib/api-0.32.0.jar lib/onnxruntime-1.20.0.jar");
		IOException e = assertThrows(IOException.class, () -> cfg.resolve(root, forgot, repo));
		assertTrue(e.getMessage().contains("onnxruntime-1.20.0.jar"), e.getMessage());
		// So does an artifact missing from the local repository, with the command that fetches it.
		Files.delete(cfg.maven().get(4).in(repo));
		e = assertThrows(IOException.class, () -> cfg.resolve(root, jar, repo));
		assertTrue(e.getMessage().contains("dependency:get"), e.getMessage());
	}

	/** A fresh Fiji install segments at once: the site carries the default model where Fiji's commands look for it. */
	@Test
	void publishesTheDefaultModelWhereFijiFindsIt() throws Exception {
		UpdateSiteConfig cfg = UpdateSiteConfig.read(CONFIG);
		Path jar = projectJar("1.2.3", "lib/api-0.32.0.jar");
		List<SiteFile> files = cfg.resolve(Path.of("."), jar, fakeRepository(cfg));
		String shipped = org.diffseg.fiji.ModelPreference.SHIPPED;
		for (String f : new String[] { "model_index.json", "unet/diffusion_pytorch_model.safetensors",
			"vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors", "tokenizer/vocab.json",
			"scheduler/scheduler_config.json" })
			assertTrue(files.stream().anyMatch(s -> s.installPath().equals(shipped + "/" + f)), shipped + "/" + f);
	}

	@Test
	void artifactNamesMatchTheirFiles() {
		assertTrue(UpdateSiteConfig.isArtifact("javacpp-1.5.10-linux-x86_64.jar", "org.bytedeco:javacpp"));
		assertTrue(UpdateSiteConfig.isArtifact("commons-io-2.20.0.jar", "commons-io:commons-io"));
		assertFalse(UpdateSiteConfig.isArtifact("commons-io-extra-1.0.jar", "commons-io:commons-io"));
		assertFalse(UpdateSiteConfig.isArtifact("api-0.32.0.jar", "org.example:ap"));
	}
}
