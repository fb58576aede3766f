package org.diffseg.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A second, deliberately different implementation of the updater's checksum for the tests: the comment filter is
 * written the way the updater's stream filter behaves (a byte-at-a-time reader that, on a '#' at line start, keeps
 * reading itself recursively until the line ends), not as the production state machine.
 */
final class ReferenceChecksum {

	private ReferenceChecksum() {}

	static String of(String installPath, Path file) throws Exception {
		MessageDigest d = MessageDigest.getInstance("SHA-1");
		if (!installPath.endsWith(".jar")) {
			d.update(installPath.getBytes("ASCII"));
			d.update(Files.readAllBytes(file));
			return HexFormat.of().formatHex(d.digest());
		}
		try (ZipFile zip = new ZipFile(file.toFile())) {
			List<ZipEntry> entries = new ArrayList<>(Collections.list(zip.entries()));
			Collections.sort(entries, (a, b) -> a.getName().compareTo(b.getName()));
			for (ZipEntry e : entries) {
				d.update(e.getName().getBytes("ASCII"));
				byte[] content;
				try (InputStream in = zip.getInputStream(e)) {
					content = in.readAllBytes();
				}
				if (e.getName().equals("META-INF/MANIFEST.MF")) continue;
				d.update(e.getName().endsWith(".properties") ? new HashedLineReader(content).all() : content);
			}
		}
		return HexFormat.of().formatHex(d.digest());
	}

	/** Byte reader that swallows comment lines the way the updater's stream filter does. */
	static final class HashedLineReader {
		private final byte[] data;
		private int pos;
		private boolean lineStart = true;

		HashedLineReader(byte[] data) {
			this.data = data;
		}

		int read() {
			int ch = pos < data.length ? data[pos++] & 0xff : -1;
			if (lineStart) {
				if (ch == '#') {
					do ch = read(); while (ch != '\n' && ch != -1);
				}
				else lineStart = false;
			}
			else if (ch == '\n') lineStart = true;
			return ch;
		}

		byte[] all() throws IOException {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			for (int b; (b = read()) != -1;) out.write(b);
			return out.toByteArray();
		}
	}
}
