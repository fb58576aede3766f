package org.diffseg.updatesite;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds a ready-to-upload ImageJ update site directory (UPDATE-SITE.md): every file that is new or changed
 * since the previously published index, stored as {@code <install path>-<timestamp>}, and a {@code db.xml.gz}
 * describing every file with the updater's checksum, exact size, timestamp, platforms and dependencies.
 * <p>
 * Given the currently published index, unchanged files keep their timestamp (and are not copied again), changed
 * files list every earlier version as {@code previous-version} (otherwise clients would see installed copies as
 * locally modified and skip them), and files no longer published become obsolete records, which clients delete.
 */
public final class UpdateSiteBuilder {

	/** The updater's timestamp format: 14 digits, here in UTC (clients only compare them). */
	public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

	/** What a build produced. {@code uploads} are the files under the output folder to copy to the server. */
	public record Result(Path folder, List<PluginRecord> records, List<Path> uploads, List<String> unchanged,
		List<String> obsoleted)
	{
		public String describe() {
			StringBuilder sb = new StringBuilder("Update site in ").append(folder).append(": ").append(records.size())
				.append(" records, ").append(uploads.size()).append(" files to upload");
			if (!unchanged.isEmpty()) sb.append(", ").append(unchanged.size()).append(" unchanged (already on the server)");
			if (!obsoleted.isEmpty()) sb.append(", obsolete: ").append(String.join(", ", obsoleted));
			sb.append('\n');
			for (PluginRecord r : records) {
				if (r.obsolete()) sb.append("  obsolete   ").append(r.filename()).append('\n');
				else sb.append(String.format(java.util.Locale.ROOT, "  %-10s %-58s %12d  %s%n",
					unchanged.contains(r.filename()) ? "unchanged" : "new", r.serverName(), r.version().filesize(),
					r.platforms().isEmpty() ? "all platforms" : String.join(",", r.platforms())));
			}
			return sb.toString();
		}
	}

	private UpdateSiteBuilder() {}

	public static String timestamp(Instant t) {
		return TIMESTAMP.format(t);
	}

	/**
	 * Builds the site.
	 *
	 * @param files the files to publish
	 * @param out an empty or missing folder to write the site into
	 * @param published the records of the currently published {@code db.xml.gz}, or an empty list for a new site
	 * @param timestamp the timestamp of every new version (14 digits, later than any published one)
	 */
	public static Result build(List<SiteFile> files, Path out, List<PluginRecord> published, String timestamp)
		throws IOException
	{
		if (!timestamp.matches("\\d{14}")) throw new IllegalArgumentException("timestamp '" + timestamp +
			"' must be 14 digits, yyyyMMddHHmmss");
		Map<String, SiteFile> byPath = validate(files);
		Map<String, PluginRecord> previous = new LinkedHashMap<>();
		for (PluginRecord r : published) previous.putIfAbsent(r.key(), r); // the updater also keeps only the first
		prepare(out);

		// Versions first (dependencies need their targets' timestamps), then records.
		Map<String, PluginRecord.Version> versions = new HashMap<>();
		Map<String, List<PluginRecord.PreviousVersion>> history = new HashMap<>();
		List<String> unchanged = new ArrayList<>();
		List<Path> uploads = new ArrayList<>();
		for (SiteFile f : files) {
			String checksum = UpdaterChecksum.of(f.installPath(), f.source());
			long size = Files.size(f.source());
			PluginRecord old = previous.get(f.key());
			List<PluginRecord.PreviousVersion> earlier = new ArrayList<>();
			String ts = timestamp;
			if (old != null && old.version() != null && old.version().checksum().equals(checksum) &&
				old.filename().equals(f.installPath()) && old.version().filesize() > 0)
			{
				// Unchanged: the server keeps serving its file. A jar's checksum ignores its manifest, so the local
				// jar may differ in size; the record must describe the server's file.
				ts = old.version().timestamp();
				size = old.version().filesize();
				earlier.addAll(old.previous());
				unchanged.add(f.installPath());
			}
			else {
				if (old != null) {
					if (old.version() != null) {
						checkNewer(f, old.version().timestamp(), timestamp);
						earlier.add(new PluginRecord.PreviousVersion(old.version().checksum(), old.version().timestamp(),
							old.filename(), null));
					}
					for (PluginRecord.PreviousVersion p : old.previous()) {
						checkNewer(f, p.timestamp(), timestamp);
						earlier.add(p);
					}
				}
				Path target = out.resolve(f.installPath() + "-" + ts);
				Files.createDirectories(target.getParent());
				Files.copy(f.source(), target);
				uploads.add(target);
			}
			versions.put(f.installPath(), new PluginRecord.Version(checksum, ts, size, f.description(), List.of()));
			history.put(f.installPath(), earlier);
		}
		List<PluginRecord> records = new ArrayList<>();
		for (SiteFile f : files) {
			PluginRecord.Version v = versions.get(f.installPath());
			List<PluginRecord.Dependency> deps = new ArrayList<>();
			for (String d : f.dependencies()) deps.add(new PluginRecord.Dependency(d, versions.get(d).timestamp()));
			records.add(new PluginRecord(f.installPath(), f.platforms(),
				new PluginRecord.Version(v.checksum(), v.timestamp(), v.filesize(), v.description(), deps),
				history.get(f.installPath())));
		}
		List<String> obsoleted = new ArrayList<>();
		for (PluginRecord old : previous.values()) {
			if (byKey(byPath, old.key())) continue;
			List<PluginRecord.PreviousVersion> earlier = new ArrayList<>();
			if (old.version() != null) {
				earlier.add(new PluginRecord.PreviousVersion(old.version().checksum(), old.version().timestamp(),
					old.filename(), timestamp));
				obsoleted.add(old.filename());
			}
			earlier.addAll(old.previous());
			records.add(new PluginRecord(old.filename(), old.platforms(), null, earlier));
		}
		try (OutputStream o = Files.newOutputStream(out.resolve(UpdateSiteDb.FILE_NAME))) {
			UpdateSiteDb.write(records, o);
		}
		uploads.add(out.resolve(UpdateSiteDb.FILE_NAME));
		return new Result(out, records, uploads, unchanged, obsoleted);
	}

	private static boolean byKey(Map<String, SiteFile> files, String key) {
		return files.values().stream().anyMatch(f -> f.key().equals(key));
	}

	/** Unique paths and keys, sources present, dependencies on platform-neutral files of this site. */
	private static Map<String, SiteFile> validate(List<SiteFile> files) throws IOException {
		Map<String, SiteFile> byPath = new LinkedHashMap<>();
		Map<String, String> byKey = new HashMap<>();
		for (SiteFile f : files) {
			if (byPath.put(f.installPath(), f) != null) throw new IllegalArgumentException(f.installPath() +
				" is listed twice");
			String clash = byKey.put(f.key(), f.installPath());
			// The updater identifies files by unversioned name and silently ignores a second record with the same one.
			if (clash != null) throw new IllegalArgumentException(clash + " and " + f.installPath() + " have the same " +
				"updater identity '" + f.key() + "'; rename one (e.g. put the classifier before the version)");
			if (!Files.isRegularFile(f.source())) throw new IOException(f.source() + ": no such file (for " +
				f.installPath() + ")");
		}
		for (SiteFile f : files) {
			for (String d : f.dependencies()) {
				SiteFile target = byPath.get(d);
				if (target == null) throw new IllegalArgumentException(f.installPath() + " depends on " + d +
					", which this site does not publish");
				// The updater installs dependencies on every platform, ignoring their platform tags.
				if (!target.platforms().isEmpty()) throw new IllegalArgumentException(f.installPath() + " depends on " +
					d + ", which is platform-specific; dependencies must be on files for every platform");
			}
		}
		return byPath;
	}

	private static void checkNewer(SiteFile f, String published, String timestamp) {
		if (published != null && published.compareTo(timestamp) >= 0) throw new IllegalArgumentException(
			f.installPath() + ": the new timestamp " + timestamp + " is not later than the published " + published +
			"; clients would not see an update");
	}

	private static void prepare(Path out) throws IOException {
		if (Files.exists(out)) {
			if (!Files.isDirectory(out)) throw new IOException(out + " is a file; give a folder for the update site");
			try (Stream<Path> s = Files.list(out)) {
				if (s.findAny().isPresent()) throw new IOException(out + " is not empty; give an empty or new folder, " +
					"so that only this build's files are uploaded");
			}
		}
		Files.createDirectories(out);
	}
}
