package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.diffseg.model.DownloadCancelledException;
import org.diffseg.model.DownloadListener;
import org.diffseg.model.DownloadReport;
import org.diffseg.model.Licence;
import org.diffseg.model.ModelCatalog;
import org.diffseg.model.ModelDescriptor;
import org.diffseg.model.ModelDownloader;
import org.diffseg.model.ModelFile;
import org.diffseg.model.ModelFolderCheck;
import org.diffseg.sd.nn.Json;
import org.scijava.ItemIO;
import org.scijava.ItemVisibility;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.DynamicCommand;
import org.scijava.module.MutableModuleItem;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.prefs.PrefService;
import org.scijava.task.TaskService;

/**
 * {@code Plugins > DiffSeg > Model Manager...}: chooses the Stable Diffusion model DiffSeg's commands use by default
 * (remembered in the preferences; a command's {@code model=[folder]} overrides it for one run), either a local
 * diffusers folder, checked file by file, or a supported model from the catalogue, downloaded over HTTPS into a
 * folder of its name with progress, resuming an interrupted download, verifying every file's SHA-256, and only after
 * its licence was accepted when the licence asks for that. The report is the command's output.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>Model Manager...", headless = true)
public class ModelManager extends DynamicCommand {

	/** The actions. */
	public static final String USE_FOLDER = "use folder", DOWNLOAD = "download";

	@Parameter
	private PrefService prefs;

	@Parameter(required = false)
	private DiffSegModelService models;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private TaskService tasks;

	@Parameter(label = "Action", choices = { USE_FOLDER, DOWNLOAD }, description = "use folder: check a local model " +
		"folder and make it the default; download: fetch a model of the catalogue, then make it the default.")
	private String action = USE_FOLDER;

	@Parameter(label = "Model folder (use folder)", style = "directory", required = false, persist = false,
		initializer = "initFolder", description = "A Stable Diffusion model in diffusers layout: the folder holding " +
			"model_index.json, unet/, vae/, text_encoder/, tokenizer/ and scheduler/.")
	private File folder;

	@Parameter(label = "Model (download)", initializer = "initCatalogue", persist = false)
	private String model_name = "";

	@Parameter(visibility = ItemVisibility.MESSAGE, persist = false, required = false)
	private String licences = "";

	@Parameter(label = "Download into (a folder named after the model is made there)", style = "directory",
		required = false)
	private File download_to;

	@Parameter(label = "I have read and accept the model's licence")
	private boolean accept_licence;

	@Parameter(label = "Also download files whose SHA-256 is unknown (they cannot be verified)")
	private boolean trust_unverified;

	@Parameter(label = "Load the weights to check every tensor's shape (slow for large models)")
	private boolean load_check;

	@Parameter(label = "Download from this mirror instead (base URL; empty: the model's own)", required = false)
	private String base_url = "";

	@Parameter(type = ItemIO.OUTPUT, label = "DiffSeg Model Manager")
	private String report;

	protected void initFolder() {
		if (folder == null) {
			Path remembered = ModelPreference.remembered(prefs);
			if (remembered != null) folder = remembered.toFile();
		}
	}

	/** The download dropdown: every model of the catalogue, and their licences as a message. */
	protected void initCatalogue() {
		List<String> names = new ArrayList<>();
		StringBuilder text = new StringBuilder();
		try {
			for (ModelDescriptor d : ModelCatalog.standard().models()) {
				names.add(d.name());
				text.append(text.length() == 0 ? "" : "\n").append(d.name()).append(": ").append(d.licence())
					.append(d.licence().acknowledgementRequired() ? ", must be accepted" : "");
			}
		}
		catch (IOException | RuntimeException e) {
			text.append("The model catalogue cannot be read: ").append(UserMessages.describe(e));
		}
		if (names.isEmpty()) names.add("");
		MutableModuleItem<String> item = getInfo().getMutableInput("model_name", String.class);
		item.setChoices(names);
		if (!names.contains(model_name)) model_name = names.get(0);
		licences = text.toString();
	}

	@Override
	public void run() {
		try (FijiProgress progress = FijiProgress.start(status, tasks, "Model Manager", this)) {
			report = switch (action) {
				case USE_FOLDER -> useFolder();
				case DOWNLOAD -> download(progress);
				default -> throw new IllegalArgumentException("action=" + action + ": choose " + USE_FOLDER + " or " +
					DOWNLOAD + ".");
			};
		}
		catch (CancellationException | DownloadCancelledException e) {
			cancel(UserMessages.describe(e)); // no report; a download's .part files stay for the next run to resume
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private String useFolder() throws IOException {
		if (folder == null || folder.getPath().isBlank()) throw new IllegalArgumentException("no model folder " +
			"given: choose the folder of a Stable Diffusion model in diffusers layout (folder=[...]).");
		return adopt(folder.toPath(), "");
	}

	/** Checks a Stable Diffusion folder, loads it when asked, and remembers it; the report says what was found. */
	private String adopt(Path dir, String before) throws IOException {
		ModelFolderCheck.Report check = ModelFolderCheck.check(dir);
		if (!check.ok()) throw new IllegalArgumentException(before + check.summary() + visionModelHint(dir));
		StringBuilder text = new StringBuilder(before).append(check.describe().strip());
		if (load_check) {
			if (models == null) throw new IllegalStateException("DiffSeg's model service is not running.");
			RunDevice cpu = RunDevice.choose(RunDevice.CPU, RunDevice.FLOAT32);
			if (status != null) status.showStatus("Model Manager: loading " + dir.getFileName() + "...");
			try (RunLease lease = models.acquire(cpu.name())) {
				cpu.stableDiffusion(models, dir.toAbsolutePath());
			}
			text.append("\nEvery tensor loaded with the shape its config asks for.");
		}
		ModelPreference.remember(prefs, dir);
		return text.append("\nDiffSeg's commands now use ").append(dir.toAbsolutePath().normalize())
			.append(" unless a run gives model=[folder].").toString();
	}

	private String download(FijiProgress progress) throws IOException {
		ModelDescriptor model;
		try {
			model = ModelCatalog.standard().get(model_name);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("model_name=" + model_name + ": " + e.getMessage());
		}
		if (base_url != null && !base_url.isBlank()) model = model.withBaseUrl(url(base_url.strip()));
		if (download_to == null || download_to.getPath().isBlank()) throw new IllegalArgumentException("no folder to " +
			"download into: choose one (download_to=[...]); the model goes into a folder named " + model.name() +
			" there.");
		Licence licence = model.licence();
		if (licence.acknowledgementRequired() && !accept_licence) throw new IllegalArgumentException("the weights of " +
			model.name() + " come under the " + licence + " licence, which must be accepted before downloading: read " +
			"it, then tick 'I have read and accept the model's licence' (accept_licence=true).");
		List<ModelFile> unverifiable = model.unverifiableFiles();
		if (!unverifiable.isEmpty() && !trust_unverified) throw new IllegalArgumentException(unverifiable.size() +
			" of the " + model.files().size() + " files of " + model.name() + " have no known SHA-256, so DiffSeg " +
			"cannot verify them: to download them anyway tick 'Also download files whose SHA-256 is unknown' " +
			"(trust_unverified=true); the report then lists their SHA-256.");
		Path target = download_to.toPath().resolve(model.name());
		DownloadReport fetched = new ModelDownloader(new Progress(progress)).download(model, target, accept_licence,
			trust_unverified, progress.token());
		String summary = fetched.describe() + "\n";
		if (!"stable-diffusion".equals(model.type())) {
			String key = model.type().equals("clip") ? "clip" : "dino";
			return summary + model.name() + " is a " + model.type() + " model, not Stable Diffusion, so it is not made " +
				"the default model: give it to OVDiff Build Vocabulary and OVDiff Segment as " + key + "=[" +
				target.toAbsolutePath().normalize() + "].";
		}
		return adopt(target, summary);
	}

	/** For a CLIP or DINO folder given as the Stable Diffusion model: where it goes instead. */
	private static String visionModelHint(Path dir) {
		Path config = dir.resolve("config.json");
		if (!Files.isRegularFile(config) || Files.exists(dir.resolve("model_index.json"))) return "";
		try {
			String type = Json.read(config).getString("model_type", "");
			String key = type.equals("clip") ? "clip" : type.equals("vit") ? "dino" : null;
			return key == null ? "" : " It holds a " + (key.equals("clip") ? "CLIP" : "ViT (DINO)") + " model: give it " +
				"to OVDiff Build Vocabulary and OVDiff Segment as " + key + "=[" + dir.toAbsolutePath().normalize() + "].";
		}
		catch (IOException | RuntimeException e) {
			return "";
		}
	}

	private static URI url(String text) {
		try {
			URI uri = new URI(text);
			if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).startsWith("http"))
				throw new URISyntaxException(text, "not an http(s) address");
			return uri;
		}
		catch (URISyntaxException e) {
			throw new IllegalArgumentException("base_url=" + text + ": not a web address (" + e.getReason() + "); " +
				"give e.g. https://mirror.example.org/stable-diffusion-v1-5/, or leave it empty.");
		}
	}

	/**
	 * Download progress in the status bar and the task list (kB of the whole model). Cancelling (the task's button,
	 * Esc) reaches the download through the run's token, not through this listener.
	 */
	private static final class Progress implements DownloadListener {
		private final FijiProgress progress;
		private long lastReported = -1;

		Progress(FijiProgress progress) {
			this.progress = progress;
		}

		@Override
		public void fileStarted(ModelFile file, long offset) {
			lastReported = -1;
		}

		@Override
		public void progress(ModelFile file, long fileBytes, long fileTotal, long overallBytes, long overallTotal) {
			// about every megabyte, and at each file's end
			if (fileBytes - lastReported < 1 << 20 && fileBytes != fileTotal) return;
			lastReported = fileBytes;
			boolean whole = overallTotal > 0;
			progress.progress("downloading " + file.path() + ", kB", (int) ((whole ? overallBytes : fileBytes) >> 10),
				(int) ((whole ? overallTotal : Math.max(fileTotal, fileBytes)) >> 10));
		}
	}
}
