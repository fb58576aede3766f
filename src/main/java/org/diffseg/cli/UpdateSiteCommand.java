package org.diffseg.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.diffseg.updatesite.PluginRecord;
import org.diffseg.updatesite.SiteFile;
import org.diffseg.updatesite.UpdateSiteBuilder;
import org.diffseg.updatesite.UpdateSiteConfig;
import org.diffseg.updatesite.UpdateSiteDb;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code diffseg update-site --out DIR}: builds the Fiji update site directory to upload (update-site/README.md). */
@Command(name = "update-site", mixinStandardHelpOptions = true,
	description = "Build a ready-to-upload Fiji update site (jars named for the updater, db.xml.gz with its checksums).")
public final class UpdateSiteCommand extends Subcommand {

	@Option(names = "--out", paramLabel = "DIR", required = true, description = "Empty or new folder for the site.")
	Path out;

	@Option(names = "--config", paramLabel = "FILE", defaultValue = "update-site/site.json",
		description = "What to publish (default: ${DEFAULT-VALUE}).")
	Path config;

	@Option(names = "--jar", paramLabel = "FILE", defaultValue = "target/diffseg.jar",
		description = "The built DiffSeg jar (default: ${DEFAULT-VALUE}).")
	Path jar;

	@Option(names = "--project-root", paramLabel = "DIR", defaultValue = ".",
		description = "Folder that the configuration's paths are relative to (default: the working directory).")
	Path projectRoot;

	@Option(names = "--maven-repo", paramLabel = "DIR",
		description = "Local Maven repository holding the dependency jars (default: ~/.m2/repository).")
	Path mavenRepo;

	@Option(names = "--previous", paramLabel = "FILE|URL", description = "The currently published db.xml.gz (a file, " +
		"or the site's URL): unchanged files keep their versions, changed ones list their history, removed ones become " +
		"obsolete. Required for every release after the first.")
	String previous;

	@Option(names = "--timestamp", paramLabel = "yyyyMMddHHmmss",
		description = "Timestamp of the new versions (default: now, UTC).")
	String timestamp;

	@Override
	public Integer call() throws IOException {
		UpdateSiteConfig cfg = UpdateSiteConfig.read(config);
		List<SiteFile> files = cfg.resolve(projectRoot, jar,
			mavenRepo != null ? mavenRepo : UpdateSiteConfig.defaultMavenRepository());
		List<PluginRecord> published = previous == null ? List.of() : readPublished(previous);
		String ts = timestamp != null ? timestamp : UpdateSiteBuilder.timestamp(Instant.now());
		UpdateSiteBuilder.Result result;
		try {
			result = UpdateSiteBuilder.build(files, out, published, ts);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
		var o = out();
		o.print(result.describe());
		o.println("Upload every file under " + out + " to the site's root, keeping the folder structure and " +
			"without deleting what is already there (see update-site/README.md).");
		o.flush();
		return DiffSegCli.EXIT_OK;
	}

	/** The published index from a file, a site URL, or a URL of its db.xml.gz. */
	static List<PluginRecord> readPublished(String where) throws IOException {
		if (!where.startsWith("http://") && !where.startsWith("https://")) {
			Path p = Path.of(where);
			if (Files.isDirectory(p)) p = p.resolve(UpdateSiteDb.FILE_NAME);
			try (InputStream in = Files.newInputStream(p)) {
				return UpdateSiteDb.read(in);
			}
		}
		URI uri = URI.create(where.endsWith(".gz") ? where : (where.endsWith("/") ? where : where + "/") +
			UpdateSiteDb.FILE_NAME);
		HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
			.connectTimeout(Duration.ofSeconds(30)).build();
		try {
			HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
				HttpResponse.BodyHandlers.ofInputStream());
			try (InputStream in = r.body()) {
				if (r.statusCode() == 404) throw new UserError(uri + " does not exist (HTTP 404). For the first " +
					"release of a new site, leave out --previous.");
				if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " fetching " + uri);
				return UpdateSiteDb.read(in);
			}
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while fetching " + uri, e);
		}
	}
}
