package org.diffseg.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.diffseg.run.CancelToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads the tiny fixture model from a local HTTP server, including the failure modes users meet. */
class ModelDownloaderTest {

	static final Path MODEL = Path.of("models/tiny-sd-a");
	static final String UNET = "unet/diffusion_pytorch_model.safetensors";
	static final String TEXT = "text_encoder/model.safetensors";

	@TempDir
	Path dir;

	LocalModelServer server;
	ModelDescriptor tiny;

	@BeforeEach
	void start() throws IOException {
		server = new LocalModelServer(MODEL.toAbsolutePath());
		tiny = ModelDescriptor.read(Path.of("src/test/resources/descriptors/tiny-sd-a.json")).withBaseUrl(server.baseUrl());
	}

	@AfterEach
	void stop() {
		server.close();
	}

	/** The tiny model reduced to a few files, for tests about one file's fate. */
	ModelDescriptor subset(String... paths) {
		List<ModelFile> files = tiny.files().stream().filter(f -> List.of(paths).contains(f.path())).toList();
		assertEquals(paths.length, files.size());
		return new ModelDescriptor(tiny.name(), tiny.type(), tiny.description(), null, null, tiny.baseUrl(),
			tiny.licence(), files);
	}

	ModelDownloader downloader(DownloadListener listener) {
		return new ModelDownloader(listener).retryDelay(Duration.ZERO);
	}

	static void assertSameContent(String path, Path folder) throws IOException {
		assertArrayEquals(Files.readAllBytes(MODEL.resolve(path)), Files.readAllBytes(folder.resolve(path)), path);
	}

	static List<Path> partFiles(Path folder) throws IOException {
		try (Stream<Path> s = Files.walk(folder)) {
			return s.filter(p -> p.toString().endsWith(ModelDownloader.PART_SUFFIX)).toList();
		}
	}

	@Test
	void downloadsAndVerifiesEveryFile() throws IOException {
		List<long[]> overall = new ArrayList<>();
		DownloadListener listener = new DownloadListener() {
			@Override
			public void progress(ModelFile file, long fileBytes, long fileTotal, long overallBytes, long overallTotal) {
				overall.add(new long[] { overallBytes, overallTotal });
				assertTrue(fileBytes <= fileTotal, "file progress beyond its size");
			}
		};
		DownloadReport report = downloader(listener).download(tiny, dir, false, false);
		assertEquals(tiny.files().size(), report.files().size());
		for (FileOutcome o : report.files()) {
			assertEquals(FileOutcome.Status.DOWNLOADED, o.status(), o.file().path());
			assertTrue(o.verified());
			assertEquals(o.file().sha256(), o.sha256());
			assertSameContent(o.file().path(), dir);
		}
		assertTrue(partFiles(dir).isEmpty());
		long total = tiny.totalSize();
		assertEquals(total, report.bytesTransferred());
		long[] last = overall.get(overall.size() - 1);
		assertEquals(total, last[0]);
		assertEquals(total, last[1]);
		for (int i = 1; i < overall.size(); i++) assertTrue(overall.get(i)[0] >= overall.get(i - 1)[0]);

		// A second run finds everything in place and asks the server for nothing.
		int requests = server.requests.size();
		DownloadReport again = downloader(null).download(tiny, dir, false, false);
		assertTrue(again.files().stream().allMatch(o -> o.status() == FileOutcome.Status.ALREADY_PRESENT && o.verified()));
		assertEquals(requests, server.requests.size());
	}

	@Test
	void interruptedTransferResumesWithRangeRequest() throws IOException {
		server.cutOnce.put(UNET, 1_000_000L);
		List<String> messages = new ArrayList<>();
		DownloadListener listener = new DownloadListener() {
			@Override
			public void message(String text) {
				messages.add(text);
			}
		};
		DownloadReport report = downloader(listener).download(subset(UNET), dir, false, false);
		assertEquals(FileOutcome.Status.DOWNLOADED, report.files().get(0).status());
		assertSameContent(UNET, dir);
		List<LocalModelServer.Request> log = server.requestsFor(UNET);
		assertEquals(2, log.size(), log.toString());
		assertNull(log.get(0).range());
		assertNotNull(log.get(1).range(), "the second request must resume");
		long resumedAt = Long.parseLong(log.get(1).range().replaceAll("bytes=(\\d+)-", "$1"));
		assertTrue(resumedAt > 0 && resumedAt <= 1_000_000L, "resumed at " + resumedAt);
		// The first attempt's bytes are kept, not fetched again.
		assertEquals(Files.size(MODEL.resolve(UNET)), report.files().get(0).bytesTransferred());
		assertTrue(messages.stream().anyMatch(m -> m.contains("interrupted")), messages.toString());
		assertTrue(partFiles(dir).isEmpty());
	}

	@Test
	void partialFileFromAnEarlierRunIsResumed() throws IOException {
		byte[] data = Files.readAllBytes(MODEL.resolve(TEXT));
		Path part = dir.resolve(TEXT + ModelDownloader.PART_SUFFIX);
		Files.createDirectories(part.getParent());
		Files.write(part, java.util.Arrays.copyOf(data, 12345));
		DownloadReport report = downloader(null).download(subset(TEXT), dir, false, false);
		assertEquals(List.of(new LocalModelServer.Request(TEXT, "bytes=12345-")), server.requestsFor(TEXT));
		assertEquals(data.length - 12345, report.files().get(0).bytesTransferred());
		assertSameContent(TEXT, dir);
		assertFalse(Files.exists(part));
	}

	@Test
	void serverIgnoringRangesRestartsTheFile() throws IOException {
		server.ignoreRanges = true;
		byte[] data = Files.readAllBytes(MODEL.resolve(TEXT));
		Path part = dir.resolve(TEXT + ModelDownloader.PART_SUFFIX);
		Files.createDirectories(part.getParent());
		Files.write(part, java.util.Arrays.copyOf(data, 5000));
		DownloadReport report = downloader(null).download(subset(TEXT), dir, false, false);
		assertEquals(data.length, report.files().get(0).bytesTransferred());
		assertSameContent(TEXT, dir);
	}

	@Test
	void corruptFileIsRejectedAndDeleted() throws IOException {
		server.corrupt.put(TEXT, true);
		ModelDescriptor model = subset("model_index.json", TEXT);
		ModelDownloadException e = assertThrows(ModelDownloadException.class,
			() -> downloader(null).download(model, dir, false, false));
		assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
		assertTrue(e.getMessage().contains(TEXT), e.getMessage());
		assertTrue(e.getMessage().contains("deleted"), e.getMessage());
		assertFalse(Files.exists(dir.resolve(TEXT)));
		assertTrue(partFiles(dir).isEmpty());
		assertSameContent("model_index.json", dir); // files before the bad one are kept
	}

	@Test
	void licenceMustBeAcknowledged() throws IOException {
		ModelDescriptor gated = new ModelDescriptor("gated", null, null, null, null, server.baseUrl(),
			new Licence("CreativeML OpenRAIL-M", "https://example.org/licence", true), subset("model_index.json").files());
		ModelDownloadException e = assertThrows(ModelDownloadException.class,
			() -> downloader(null).download(gated, dir, false, false));
		assertTrue(e.getMessage().contains("CreativeML OpenRAIL-M") && e.getMessage().contains("accept it"),
			e.getMessage());
		assertEquals(ModelDownloadException.ACCEPT_LICENCE, e.consent(), "a front-end words the consent as its flag");
		assertTrue(server.requests.isEmpty());
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(0, s.count());
		}
		downloader(null).download(gated, dir, true, false);
		assertSameContent("model_index.json", dir);
	}

	@Test
	void filesWithoutChecksumNeedExplicitTrust() throws IOException {
		ModelDescriptor unverified = new ModelDescriptor("unverified", null, null, null, null, server.baseUrl(),
			tiny.licence(), List.of(new ModelFile("vae/config.json", null, null)));
		ModelDownloadException e = assertThrows(ModelDownloadException.class,
			() -> downloader(null).download(unverified, dir, false, false));
		assertTrue(e.getMessage().contains("trust them explicitly") && e.getMessage().contains("vae/config.json"),
			e.getMessage());
		assertEquals(ModelDownloadException.TRUST_UNVERIFIED, e.consent());
		assertTrue(e.describe("--trust-unverified").contains("trust them explicitly (--trust-unverified); their " +
			"SHA-256"), e.describe("--trust-unverified"));
		assertTrue(server.requests.isEmpty());
		DownloadReport report = downloader(null).download(unverified, dir, false, true);
		FileOutcome o = report.files().get(0);
		assertFalse(o.verified());
		String expected = tiny.files().stream().filter(f -> f.path().equals("vae/config.json")).findFirst()
			.orElseThrow().sha256();
		assertEquals(expected, o.sha256());
		assertTrue(report.describe().contains(expected));
		assertSameContent("vae/config.json", dir);
	}

	@Test
	void cancellationKeepsThePartFileAndALaterRunResumes() throws IOException {
		CancelToken cancel = new CancelToken();
		ModelDownloader downloader = downloader(new DownloadListener() {
			@Override
			public void progress(ModelFile file, long fileBytes, long fileTotal, long overallBytes, long overallTotal) {
				if (fileBytes >= 200_000) cancel.cancel("enough");
			}
		});
		ModelDescriptor model = subset(UNET);
		assertThrows(DownloadCancelledException.class, () -> downloader.download(model, dir, false, false, cancel));
		assertFalse(Files.exists(dir.resolve(UNET)), "a cancelled download must not leave a complete-looking file");
		Path part = dir.resolve(UNET + ModelDownloader.PART_SUFFIX);
		assertTrue(Files.isRegularFile(part));
		long kept = Files.size(part);
		assertTrue(kept >= 200_000 && kept < Files.size(MODEL.resolve(UNET)), "kept " + kept);

		downloader(null).download(model, dir, false, false);
		assertEquals("bytes=" + kept + "-", server.requestsFor(UNET).get(server.requestsFor(UNET).size() - 1).range());
		assertSameContent(UNET, dir);
	}

	@Test
	void serverSendingMoreThanTheDescribedSizeIsCutOff() throws IOException {
		server.oversizeChunked.put(TEXT, true);
		ModelDownloadException e = assertThrows(ModelDownloadException.class,
			() -> downloader(null).download(subset(TEXT), dir, false, false));
		assertTrue(e.getMessage().contains("more than"), e.getMessage());
		assertFalse(Files.exists(dir.resolve(TEXT)));
		assertTrue(partFiles(dir).isEmpty());

		server.oversizeChunked.clear();
		server.oversizeDeclared.put(TEXT, true);
		e = assertThrows(ModelDownloadException.class, () -> downloader(null).download(subset(TEXT), dir, false, false));
		assertTrue(e.getMessage().contains("offers"), e.getMessage());
		assertFalse(Files.exists(dir.resolve(TEXT)));
	}

	@Test
	void missingFileOnServerIsAClearError() {
		ModelDescriptor model = new ModelDescriptor("absent", null, null, null, null, server.baseUrl(), tiny.licence(),
			List.of(new ModelFile("no/such.json", 3L, "0".repeat(64))));
		ModelDownloadException e = assertThrows(ModelDownloadException.class,
			() -> downloader(null).download(model, dir, false, false));
		assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("baseUrl"), e.getMessage());
	}
}
