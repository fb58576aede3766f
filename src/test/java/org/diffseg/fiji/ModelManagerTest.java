package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.diffseg.model.LocalModelServer;
import org.diffseg.model.ModelCatalog;
import org.diffseg.sd.StableDiffusion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.app.event.StatusEvent;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.prefs.PrefService;

/**
 * {@code Model Manager...} run as macros run it: a local folder checked and remembered, and the tiny model downloaded
 * from a server on 127.0.0.1 (resumed, verified, a corrupt file rejected, licences acknowledged).
 */
class ModelManagerTest {

	static final Path TINY = Path.of("models/tiny-sd-a").toAbsolutePath();
	static final String UNET = "unet/diffusion_pytorch_model.safetensors";
	static final String TEXT = "text_encoder/model.safetensors";

	private static Context context;
	private static PrefService prefs;
	private static final List<String> statuses = new CopyOnWriteArrayList<>();
	/** Held here: the event service keeps only weak references to its subscribers. */
	private static final Object STATUS_LISTENER = new Object() {
		@EventHandler
		public void onStatus(StatusEvent e) {
			if (e.getStatusMessage() != null) statuses.add(e.getStatusMessage());
		}
	};

	@TempDir
	Path dir;

	/** The user's remembered model, put back after each test. */
	private String saved;
	private LocalModelServer server;

	@BeforeAll
	static void startContext() {
		ImageJ1Patch.ensurePatched();
		context = new Context();
		prefs = context.service(PrefService.class);
		context.service(EventService.class).subscribe(STATUS_LISTENER);
	}

	@AfterAll
	static void disposeContext() {
		context.dispose();
	}

	@BeforeEach
	void start() throws IOException {
		// the tiny-sd-a descriptor (a placeholder URL the tests replace) is not shipped: add it as a site would
		System.setProperty(ModelCatalog.EXTRA_PROPERTY, "src/test/resources/descriptors");
		saved = prefs.get(ModelPreference.class, ModelPreference.KEY);
		server = new LocalModelServer(TINY);
		statuses.clear();
	}

	@AfterEach
	void stop() {
		System.clearProperty(ModelCatalog.EXTRA_PROPERTY);
		server.close();
		if (saved == null) ModelPreference.forget(prefs);
		else prefs.put(ModelPreference.class, ModelPreference.KEY, saved);
	}

	private MacroRunner.Result macro(String code) throws IOException, InterruptedException {
		Path file = dir.resolve("test.ijm");
		Files.writeString(file, code);
		return MacroRunner.run(context, file, "");
	}

	private MacroRunner.Result manage(String options) throws IOException, InterruptedException {
		return macro("run(\"Model Manager...\", \"" + options + "\");\n");
	}

	private String download(String name, String extra) {
		return "action=download model_name=" + name + " download_to=[" + dir + "] base_url=[" + server.baseUrl() + "] " +
			extra;
	}

	@Test
	void aLocalFolderIsCheckedRememberedAndUsedByTheCommands() throws Exception {
		Path copy = dir.resolve("my model");
		try (Stream<Path> files = Files.walk(TINY)) {
			for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(TINY.resolve("reference")))
				.toList())
			{
				Files.createDirectories(copy.resolve(TINY.relativize(f)).getParent());
				Files.copy(f, copy.resolve(TINY.relativize(f)));
			}
		}
		MacroRunner.Result r = manage("action=[use folder] folder=[" + copy + "]");
		assertTrue(r.ok(), r.error());
		assertTrue(r.log().contains("Model folder " + copy + ": complete (StableDiffusionPipeline)"), r.log().toString());
		assertTrue(r.log().contains("DiffSeg's commands now use " + copy + " unless a run gives model=[folder]."),
			r.log().toString());
		assertEquals(copy, ModelPreference.remembered(prefs));

		MacroRunner.Result segment = macro("newImage(\"cells\", \"RGB ramp\", 20, 20, 1);\n" +
			"run(\"Peekaboo Segment...\", \"prompts=[a cell] iterations=1 size=16 device=cpu\");\n");
		assertTrue(segment.ok(), segment.error());
		assertTrue(context.service(DiffSegModelService.class).loaded().contains(new DiffSegModelService.Key(copy, "cpu",
			"float32", StableDiffusion.class)), "a run without model= uses the remembered folder");
	}

	@Test
	void loadCheckLoadsEveryTensor() throws Exception {
		MacroRunner.Result r = manage("action=[use folder] folder=[" + TINY + "] load_check=true");
		assertTrue(r.ok(), r.error());
		assertTrue(r.log().contains("Every tensor loaded with the shape its config asks for."), r.log().toString());
	}

	@Test
	void aFolderThatIsNotAModelIsRefusedAndNotRemembered() throws Exception {
		Path vit = Path.of("models/tiny-vit").toAbsolutePath();
		MacroRunner.Result r = manage("action=[use folder] folder=[" + vit + "]");
		assertTrue(r.error().startsWith("Model Manager: " + vit + " is not a usable diffusers Stable Diffusion folder: " +
			"model_index: model_index.json is missing"), r.error());
		assertEquals(saved, prefs.get(ModelPreference.class, ModelPreference.KEY));
		Path clip = vit.resolve("tiny-clip");
		String error = manage("action=[use folder] folder=[" + clip + "]").error();
		assertTrue(error.endsWith("It holds a CLIP model: give it to OVDiff Build Vocabulary and OVDiff Segment as " +
			"clip=[" + clip + "]."), error);
		assertEquals(saved, prefs.get(ModelPreference.class, ModelPreference.KEY));
	}

	@Test
	void downloadsVerifiesAndRemembersACatalogueModel() throws Exception {
		MacroRunner.Result r = manage(download("tiny-sd-a", ""));
		assertTrue(r.ok(), r.error());
		Path target = dir.resolve("tiny-sd-a");
		assertTrue(r.log().contains("tiny-sd-a: 12 files in " + target + " (12 downloaded, 0 already present, 26536294 " +
			"bytes transferred)"), r.log().toString());
		for (String f : List.of("model_index.json", UNET, TEXT, "tokenizer/vocab.json"))
			assertArrayEquals(Files.readAllBytes(TINY.resolve(f)), Files.readAllBytes(target.resolve(f)), f);
		assertEquals(target, ModelPreference.remembered(prefs));
		// status events arrive on the event service's thread
		for (int i = 0; i < 200 && statuses.stream().noneMatch(s -> s.startsWith("Model Manager: downloading ")); i++)
			Thread.sleep(10);
		assertTrue(statuses.stream().anyMatch(s -> s.startsWith("Model Manager: downloading " + UNET + ", kB ")),
			"download progress in the status bar: " + statuses);
	}

	@Test
	void aDownloadedClipModelIsNotMadeTheDefaultButItsKeyIsNamed() throws Exception {
		Path clip = Path.of("models/tiny-vit/tiny-clip").toAbsolutePath();
		server.close();
		server = new LocalModelServer(clip); // the tiny CLIP has the files of the clip-vit-base-patch16 descriptor
		MacroRunner.Result r = manage(download("clip-vit-base-patch16", "trust_unverified=true"));
		assertTrue(r.ok(), r.error());
		Path target = dir.resolve("clip-vit-base-patch16");
		assertArrayEquals(Files.readAllBytes(clip.resolve("model.safetensors")),
			Files.readAllBytes(target.resolve("model.safetensors")));
		assertTrue(r.log().stream().anyMatch(l -> l.endsWith("give it to OVDiff Build Vocabulary and OVDiff Segment as " +
			"clip=[" + target + "].")), r.log().toString());
		assertEquals(saved, prefs.get(ModelPreference.class, ModelPreference.KEY));
	}

	@Test
	void resumesAPartialDownload() throws Exception {
		Path part = dir.resolve("tiny-sd-a").resolve(UNET + ".part");
		Files.createDirectories(part.getParent());
		byte[] unet = Files.readAllBytes(TINY.resolve(UNET));
		Files.write(part, Arrays.copyOf(unet, 1_000_000));
		MacroRunner.Result r = manage(download("tiny-sd-a", ""));
		assertTrue(r.ok(), r.error());
		assertTrue(server.requests.contains(new LocalModelServer.Request(UNET, "bytes=1000000-")),
			server.requests.toString());
		assertArrayEquals(unet, Files.readAllBytes(dir.resolve("tiny-sd-a").resolve(UNET)));
		assertFalse(Files.exists(part));
	}

	@Test
	void aCorruptFileIsRejectedAndDeleted() throws Exception {
		server.corrupt.put(TEXT, true);
		MacroRunner.Result r = manage(download("tiny-sd-a", ""));
		assertTrue(r.error().startsWith("Model Manager: " + TEXT + ": SHA-256 mismatch: expected "), r.error());
		assertTrue(r.error().contains("The corrupt download was deleted."), r.error());
		Path target = dir.resolve("tiny-sd-a").resolve(TEXT);
		assertFalse(Files.exists(target) || Files.exists(target.resolveSibling("model.safetensors.part")));
		assertEquals(saved, prefs.get(ModelPreference.class, ModelPreference.KEY), "a failed download is not remembered");
	}

	@Test
	void aLicenceThatMustBeAcceptedIsAskedForBeforeAnyTransfer() throws Exception {
		MacroRunner.Result r = manage(download("stable-diffusion-v1-5", ""));
		assertEquals("Model Manager: the weights of stable-diffusion-v1-5 come under the CreativeML OpenRAIL-M " +
			"(https://huggingface.co/spaces/CompVis/stable-diffusion-license) licence, which must be accepted before " +
			"downloading: read it, then tick 'I have read and accept the model's licence' (accept_licence=true).",
			r.error());
		r = manage(download("stable-diffusion-v1-5", "accept_licence=true"));
		assertTrue(r.error().startsWith("Model Manager: "), r.error());
		assertTrue(r.error().contains("have no known SHA-256, so DiffSeg cannot verify them: to download them anyway " +
			"tick 'Also download files whose SHA-256 is unknown' (trust_unverified=true)"), r.error());
		assertEquals(List.of(), server.requests, "nothing was fetched");
		assertFalse(Files.exists(dir.resolve("stable-diffusion-v1-5")));
	}

	@Test
	void anUnknownModelNamesTheCatalogue() throws Exception {
		MacroRunner.Result r = manage(download("sd-9", ""));
		assertTrue(r.error().startsWith("Model Manager: model_name=sd-9: choose one of "), r.error());
		assertTrue(r.error().contains("tiny-sd-a"), r.error());
	}
}
