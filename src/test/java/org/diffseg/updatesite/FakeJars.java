package org.diffseg.updatesite;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small jars written in the given entry order (names ending in '/' are directories). */
final class FakeJars {

	private FakeJars() {}

	static Path write(Path jar, String[][] entries) throws IOException {
		Files.createDirectories(jar.toAbsolutePath().getParent());
		try (OutputStream o = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(o, StandardCharsets.UTF_8)) {
			for (String[] e : entries) {
				zip.putNextEntry(new ZipEntry(e[0]));
				if (e.length > 1) zip.write(e[1].getBytes(StandardCharsets.UTF_8));
				zip.closeEntry();
			}
		}
		return jar;
	}
}
