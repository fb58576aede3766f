package org.diffseg.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The checksum the ImageJ updater records in {@code db.xml.gz} and compares after installing a file
 * ({@code UpdaterUtil.getDigest}/{@code getJarDigest}; see /work/shared/UPDATE-SITE.md §3). For paths ending in
 * {@code .jar}: SHA-1 over the zip entries sorted by name, each contributing its name (ASCII, non-ASCII as '?') and
 * its uncompressed content, with comment lines of {@code *.properties} filtered and {@code META-INF/MANIFEST.MF}
 * contributing no content. For other files: SHA-1 of the install path followed by the raw bytes. The updater's own
 * jar, {@code plugins/Fiji_Updater.jar}, is hashed raw.
 */
public final class UpdaterChecksum {

	private static final String MANIFEST = "META-INF/MANIFEST.MF";

	private UpdaterChecksum() {}

	/** The checksum of {@code file} published under {@code installPath} (relative to Fiji.app, '/'-separated). */
	public static String of(String installPath, Path file) throws IOException {
		if (installPath.equals("plugins/Fiji_Updater.jar")) return hex(sha1(Files.readAllBytes(file)));
		if (installPath.endsWith(".jar")) return jar(file);
		MessageDigest d = sha1();
		d.update(installPath.getBytes(StandardCharsets.US_ASCII));
		try (InputStream in = Files.newInputStream(file)) {
			feed(d, in);
		}
		return hex(d.digest());
	}

	private static String jar(Path file) throws IOException {
		MessageDigest d = sha1();
		try (ZipFile zip = new ZipFile(file.toFile())) {
			List<ZipEntry> entries = new ArrayList<>(Collections.list(zip.entries()));
			entries.sort((a, b) -> a.getName().compareTo(b.getName()));
			for (ZipEntry e : entries) {
				String name = e.getName();
				d.update(name.getBytes(StandardCharsets.US_ASCII)); // unmappable characters become '?'
				if (name.equals(MANIFEST)) continue; // the updater's manifest filter keeps nothing
				try (InputStream in = zip.getInputStream(e)) {
					if (name.endsWith(".properties")) d.update(filterComments(in.readAllBytes()));
					else feed(d, in);
				}
			}
		}
		catch (java.util.zip.ZipException e) {
			throw new IOException(file + " is not a valid jar (" + e.getMessage() + ")", e);
		}
		return hex(d.digest());
	}

	/**
	 * The updater's comment filter for {@code .properties} content (its {@code SkipHashedLines}): a line starting
	 * with '#' becomes an empty line; after a line consisting only of '#'s, or after an empty line, the next line is
	 * never treated as a comment; a comment running into the end of the data leaves nothing.
	 */
	static byte[] filterComments(byte[] data) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
		boolean atLineStart = true;
		int i = 0;
		while (i < data.length) {
			int b = data[i++] & 0xff;
			if (!atLineStart) {
				out.write(b);
				if (b == '\n') atLineStart = true;
			}
			else if (b != '#') {
				out.write(b);
				atLineStart = false;
			}
			else {
				boolean other = false;
				boolean newline = false;
				while (i < data.length) {
					int c = data[i++] & 0xff;
					if (c == '\n') {
						newline = true;
						break;
					}
					if (c != '#') other = true;
				}
				if (newline) out.write('\n');
				atLineStart = other;
			}
		}
		return out.toByteArray();
	}

	private static void feed(MessageDigest d, InputStream in) throws IOException {
		byte[] buffer = new byte[1 << 16];
		for (int n; (n = in.read(buffer)) > 0;) d.update(buffer, 0, n);
	}

	private static byte[] sha1(byte[] data) {
		return sha1().digest(data);
	}

	private static MessageDigest sha1() {
		try {
			return MessageDigest.getInstance("SHA-1");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-1", e);
		}
	}

	private static String hex(byte[] digest) {
		return HexFormat.of().formatHex(digest);
	}
}
