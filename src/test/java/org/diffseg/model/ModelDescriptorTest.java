package org.diffseg.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

class ModelDescriptorTest {

	@Test
	void everyShippedDescriptorParses() throws IOException {
		ModelCatalog catalog = ModelCatalog.fromFolder(ModelCatalog.SOURCE_FOLDER);
		assertEquals(List.of("clip-vit-base-patch16", "dino-vitb8", "stable-diffusion-v1-5"),
			catalog.models().stream().map(ModelDescriptor::name).toList());
		// every shipped descriptor points somewhere real (the test fixture's placeholder lives in test resources)
		for (ModelDescriptor d : catalog.models())
			assertTrue("https".equals(d.baseUrl().getScheme()) && !d.baseUrl().getHost().endsWith(".invalid"), d.baseUrl().toString());
		ModelDescriptor sd = catalog.get("stable-diffusion-v1-5");
		assertTrue(sd.licence().acknowledgementRequired());
		assertEquals("CreativeML OpenRAIL-M", sd.licence().name());
		// No checksum was invented: unknown ones are null and make the model unverifiable.
		assertEquals(sd.files().size(), sd.unverifiableFiles().size());
		assertEquals(-1, sd.totalSize());
		ModelCatalog test = ModelCatalog.fromFolder(Path.of("src/test/resources/descriptors"));
		assertFalse(test.get("tiny-sd-a").licence().acknowledgementRequired());
		assertTrue(test.get("tiny-sd-a").unverifiableFiles().isEmpty());
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> catalog.get("sd-9"));
		assertTrue(e.getMessage().contains("stable-diffusion-v1-5"), e.getMessage());
	}

	/** The tiny-sd-a descriptor lists exactly the fixture's model files (reference/ excluded) with their real digests. */
	@Test
	void tinyDescriptorMatchesTheFixtureFolder() throws Exception {
		Path root = Path.of("models/tiny-sd-a");
		ModelDescriptor tiny = ModelDescriptor.read(Path.of("src/test/resources/descriptors/tiny-sd-a.json"));
		TreeSet<String> onDisk = new TreeSet<>();
		try (Stream<Path> s = Files.walk(root)) {
			s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
				.filter(p -> !p.startsWith("reference/")).forEach(onDisk::add);
		}
		assertEquals(onDisk, new TreeSet<>(tiny.files().stream().map(ModelFile::path).toList()));
		for (ModelFile f : tiny.files()) {
			byte[] data = Files.readAllBytes(root.resolve(f.path()));
			assertEquals(data.length, f.size(), f.path());
			assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), f.sha256(), f.path());
		}
		assertTrue(tiny.baseUrl().getHost().endsWith(".invalid"), "placeholder base URL must never resolve");
	}

	@Test
	void urlsAreBaseUrlPlusEncodedPath() {
		ModelDescriptor d = parse("{\"name\":\"m\",\"baseUrl\":\"https://h.example/r/resolve/main\"," +
			"\"licence\":{\"name\":\"MIT\",\"url\":\"https://l\"},\"files\":[{\"path\":\"a b/c.json\",\"size\":1}]}");
		assertEquals(URI.create("https://h.example/r/resolve/main/a%20b/c.json"), d.url(d.files().get(0)));
		assertNull(d.files().get(0).sha256());
		assertEquals(URI.create("http://127.0.0.1:1/x/a%20b/c.json"),
			d.withBaseUrl(URI.create("http://127.0.0.1:1/x")).url(d.files().get(0)));
	}

	@Test
	void unsafeOrMalformedEntriesAreRejected() {
		for (String path : new String[] { "../evil", "/etc/passwd", "a/../../b", "C:/x", "a\\\\b", "dir/" }) {
			String json = "{\"name\":\"m\",\"baseUrl\":\"https://h/\",\"licence\":{\"name\":\"MIT\",\"url\":\"u\"}," +
				"\"files\":[{\"path\":\"" + path + "\"}]}";
			assertThrows(IllegalArgumentException.class, () -> parse(json), path);
		}
		assertThrows(IllegalArgumentException.class, () -> new ModelFile("a", 1L, "abc"));
		assertThrows(IllegalArgumentException.class, () -> new ModelFile("a", -1L, null));
		assertThrows(IllegalArgumentException.class, () -> parse("{\"name\":\"m\",\"baseUrl\":\"ftp://h/\"," +
			"\"licence\":{\"name\":\"MIT\",\"url\":\"u\"},\"files\":[{\"path\":\"a\"}]}"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("{\"name\":\"m\"," +
			"\"baseUrl\":\"https://h/\",\"files\":[{\"path\":\"a\"}]}"));
		assertTrue(e.getMessage().contains("licence"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> parse("{\"name\":\"m\",\"baseUrl\":\"https://h/\"," +
			"\"licence\":{\"name\":\"MIT\",\"url\":\"u\"},\"files\":[{\"path\":\"a\"},{\"path\":\"a\"}]}"));
	}

	static ModelDescriptor parse(String json) {
		return ModelDescriptor.parse(new StringReader(json));
	}
}
