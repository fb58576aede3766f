package org.diffseg.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Descriptors packaged as resources are found in a jar (as in Fiji) and in a class folder (as in the IDE). */
class ModelCatalogTest {

	@TempDir
	Path tmp;

	@Test
	void findsDescriptorsInAJarAndInAFolder() throws Exception {
		byte[] tiny = Files.readAllBytes(Path.of("src/test/resources/descriptors/tiny-sd-a.json"));
		Path jar = tmp.resolve("d.jar");
		try (OutputStream o = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(o)) {
			z.putNextEntry(new ZipEntry(ModelCatalog.RESOURCE_FOLDER + "/"));
			z.putNextEntry(new ZipEntry(ModelCatalog.RESOURCE_FOLDER + "/tiny-sd-a.json"));
			z.write(tiny);
		}
		Path folder = tmp.resolve("classes");
		Files.createDirectories(folder.resolve(ModelCatalog.RESOURCE_FOLDER));
		Files.write(folder.resolve(ModelCatalog.RESOURCE_FOLDER).resolve("tiny-sd-a.json"), tiny);
		for (Path p : new Path[] { jar, folder }) {
			try (URLClassLoader loader = new URLClassLoader(new URL[] { p.toUri().toURL() }, null)) {
				ModelCatalog c = ModelCatalog.builtIn(loader);
				assertEquals(1, c.models().size(), p.toString());
				assertEquals(12, c.get("tiny-sd-a").files().size());
			}
		}
		try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
			assertTrue(ModelCatalog.builtIn(empty).models().isEmpty());
		}
	}
}
