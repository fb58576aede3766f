package org.diffseg.updatesite;

import java.util.List;

/**
 * One {@code <plugin>} of an update site's {@code db.xml.gz}: a component (identified by its unversioned file name)
 * with its current version, if any, and every version published before. A record without a current version marks
 * an obsolete file, which clients delete on update.
 */
public record PluginRecord(String filename, List<String> platforms, Version version, List<PreviousVersion> previous) {

	public PluginRecord {
		platforms = List.copyOf(platforms);
		previous = List.copyOf(previous);
	}

	/** The published version: checksum (updater algorithm), 14-digit timestamp, exact size. */
	public record Version(String checksum, String timestamp, long filesize, String description,
		List<Dependency> dependencies)
	{
		public Version {
			dependencies = List.copyOf(dependencies);
		}
	}

	/** An earlier version; {@code filename} is its versioned file name when it differs. */
	public record PreviousVersion(String checksum, String timestamp, String filename, String timestampObsolete) {}

	/** Another file this one needs; the updater matches it by unversioned name across all sites. */
	public record Dependency(String filename, String timestamp) {}

	public boolean obsolete() {
		return version == null;
	}

	public String key() {
		return SiteFile.key(filename);
	}

	/** The name of this version's file on the server: {@code filename-timestamp}. */
	public String serverName() {
		if (version == null) throw new IllegalStateException(filename + " is obsolete: nothing to download");
		return filename + "-" + version.timestamp();
	}
}
