package org.diffseg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.model.DownloadListener;
import org.diffseg.model.DownloadReport;
import org.diffseg.model.FileOutcome;
import org.diffseg.model.ModelCatalog;
import org.diffseg.model.ModelDescriptor;
import org.diffseg.model.ModelDownloadException;
import org.diffseg.model.ModelDownloader;
import org.diffseg.model.ModelFile;
import org.diffseg.model.ModelFolderCheck;
import org.diffseg.run.CancelToken;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code diffseg models list|download|check}: the supported models, fetching them, and checking a model folder. */
@Command(name = "models", mixinStandardHelpOptions = true,
	description = "List the supported models, download one, or check a local model folder.",
	subcommands = { ModelsCommand.ListModels.class, ModelsCommand.Download.class, ModelsCommand.Check.class })
public final class ModelsCommand extends Subcommand {

	@Override
	public Integer call() {
		spec.commandLine().usage(out());
		return DiffSegCli.EXIT_USAGE;
	}

	static ModelCatalog catalog(Path descriptors) throws IOException {
		return descriptors == null ? ModelCatalog.standard() : ModelCatalog.fromFolder(descriptors);
	}

	static String size(long bytes) {
		if (bytes < 0) return "size unknown";
		if (bytes < 1 << 20) return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
		if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
		return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
	}

	@Command(name = "list", mixinStandardHelpOptions = true, description = "List the supported models.")
	static final class ListModels extends Subcommand {
		@Option(names = "--descriptors", paramLabel = "DIR",
			description = "Folder of model descriptor files (default: the built-in ones, or ./models/descriptors).")
		Path descriptors;

		@Override
		public Integer call() throws IOException {
			PrintWriter out = out();
			for (ModelDescriptor d : catalog(descriptors).models()) {
				out.printf("%-24s %-16s %-13s %s%n", d.name(), d.type() == null ? "" : d.type(), size(d.totalSize()),
					d.description() == null ? "" : d.description());
				out.printf("%-24s licence: %s%s%n", "", d.licence(),
					d.licence().acknowledgementRequired() ? " (must be accepted: --accept-licence)" : "");
				if (!d.unverifiableFiles().isEmpty()) out.printf("%-24s %d of %d files have no known SHA-256 " +
					"(download needs --trust-unverified)%n", "", d.unverifiableFiles().size(), d.files().size());
			}
			return DiffSegCli.EXIT_OK;
		}
	}

	@Command(name = "download", mixinStandardHelpOptions = true,
		description = "Download a supported model into a folder, resuming partial downloads and verifying SHA-256.")
	static final class Download extends Subcommand {
		@Parameters(paramLabel = "NAME", description = "Model name, as listed by 'diffseg models list'.")
		String name;

		@Option(names = "--dir", paramLabel = "DIR", required = true, description = "Folder to download into.")
		Path dir;

		@Option(names = "--accept-licence", description = "Accept the model's licence (required by some models).")
		boolean acceptLicence;

		@Option(names = "--trust-unverified",
			description = "Also download files the descriptor has no SHA-256 for (they cannot be verified).")
		boolean trustUnverified;

		@Option(names = "--base-url", paramLabel = "URL", description = "Fetch the files from this mirror instead.")
		URI baseUrl;

		@Option(names = "--descriptors", paramLabel = "DIR", description = "Folder of model descriptor files.")
		Path descriptors;

		@Override
		public Integer call() throws IOException {
			PrintWriter out = out();
			ModelDescriptor model;
			try {
				model = catalog(descriptors).get(name);
				if (baseUrl != null) model = model.withBaseUrl(baseUrl);
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			out.println("Downloading " + model.name() + " (" + size(model.totalSize()) + ") into " + dir);
			out.println("Licence: " + model.licence());
			ModelDownloader downloader = new ModelDownloader(new Progress(out));
			CancelToken cancel = new CancelToken();
			Thread hook = new Thread(() -> cancel.cancel("interrupted"), "cancel model download");
			Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C keeps .part files for a later resume
			try {
				DownloadReport report = downloader.download(model, dir, acceptLicence, trustUnverified, cancel);
				out.println(report.describe());
			}
			catch (ModelDownloadException e) {
				if (e.consent() == null) throw e;
				throw new UserError(CliMessages.describe(e), e); // the flag that gives the consent
			}
			finally {
				try {
					Runtime.getRuntime().removeShutdownHook(hook);
				}
				catch (IllegalStateException e) {
					// the JVM is already shutting down
				}
			}
			return DiffSegCli.EXIT_OK;
		}
	}

	/** Prints a line per file and one per tenth of each file. */
	static final class Progress implements DownloadListener {
		private final PrintWriter out;
		private long nextReport;

		Progress(PrintWriter out) {
			this.out = out;
		}

		@Override
		public void fileStarted(ModelFile file, long offset) {
			out.println("  " + file.path() + (offset > 0 ? " (resuming at byte " + offset + ")" : ""));
			nextReport = 0;
		}

		@Override
		public void progress(ModelFile file, long fileBytes, long fileTotal, long overallBytes, long overallTotal) {
			if (fileTotal < 10L << 20 || fileBytes < nextReport) return;
			out.printf(Locale.ROOT, "    %3d%%  %s of %s%s%n", 100 * fileBytes / fileTotal, size(fileBytes),
				size(fileTotal), overallTotal > 0 ? String.format(Locale.ROOT, " (model: %d%%)",
					100 * overallBytes / overallTotal) : "");
			nextReport = fileBytes + fileTotal / 10;
		}

		@Override
		public void fileFinished(FileOutcome o) {
			out.println("    " + (o.status() == FileOutcome.Status.ALREADY_PRESENT ? "already present" : "done") +
				(o.verified() ? ", SHA-256 verified" : ", NOT verified (no known SHA-256)"));
		}

		@Override
		public void message(String text) {
			out.println("    " + text);
		}
	}

	@Command(name = "check", mixinStandardHelpOptions = true,
		description = "Check that a folder is a complete diffusers Stable Diffusion model (structure only).")
	static final class Check extends Subcommand {
		@Parameters(paramLabel = "DIR", description = "The model folder (the one holding model_index.json).")
		Path dir;

		@Override
		public Integer call() {
			ModelFolderCheck.Report report = ModelFolderCheck.check(dir);
			out().print(report.describe());
			out().flush();
			if (report.ok()) return DiffSegCli.EXIT_OK;
			// exit 1 always comes with its reason on stderr, where scripts look for it
			err().println("diffseg: " + report.problems().size() + " problem(s): " + report.summary());
			err().flush();
			return DiffSegCli.EXIT_FAILURE;
		}
	}
}
