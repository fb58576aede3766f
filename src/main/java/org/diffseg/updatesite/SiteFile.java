package org.diffseg.updatesite;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A file to publish on the update site: where it comes from, where the updater installs it (relative to
 * Fiji.app), the platforms it is for (empty: every platform), a description, and the install paths of the
 * site's other files it depends on.
 */
public record SiteFile(String installPath, Path source, List<String> platforms, String description,
	List<String> dependencies)
{
	/** The updater's platform names ({@code Platforms.java}); the group names are left out on purpose (1.x clients). */
	public static final Set<String> PLATFORMS = Set.of("linux64", "linux-arm64", "macos64", "macos-arm64", "win64",
		"win-arm64");

	public SiteFile {
		if (installPath == null || installPath.isEmpty()) throw new IllegalArgumentException("a site file needs an install path");
		// The updater only URL-escapes spaces; anything beyond this set risks a broken download URL.
		if (!installPath.matches("[A-Za-z0-9._+\\-/ ]+") || installPath.startsWith("/") || installPath.endsWith("/") ||
			installPath.contains("//") || List.of(installPath.split("/")).contains(".."))
			throw new IllegalArgumentException("install path '" + installPath + "' must be a relative '/'-separated " +
				"path of letters, digits, spaces and . _ + -");
		platforms = List.copyOf(platforms == null ? List.of() : platforms);
		for (String p : platforms)
			if (!PLATFORMS.contains(p)) throw new IllegalArgumentException(installPath + ": unknown updater platform '" +
				p + "'; use one of " + new java.util.TreeSet<>(PLATFORMS));
		dependencies = List.copyOf(dependencies == null ? List.of() : dependencies);
	}

	public SiteFile(String installPath, Path source) {
		this(installPath, source, List.of(), null, List.of());
	}

	/** The updater's identity for this file: the install path without its version ({@code FileUtils.stripFilenameVersion}). */
	public String key() {
		return key(installPath);
	}

	public static String key(String installPath) {
		return org.scijava.util.FileUtils.stripFilenameVersion(installPath);
	}
}
