package org.diffseg.img;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.diffseg.run.DiffSegException;

/**
 * Looks at an image file before a reader does, so what cannot be an image gets one clear refusal naming the file and
 * what it is: a folder, an empty file, text (or other bytes) under an image's name, or a TIFF cut short, whose pixel
 * data or image directories extend beyond the end of the file (readers fill the missing part with zeros or garbage and
 * say nothing).
 */
public final class ImageFileCheck {
	private static final String FIX = "give a TIFF, PNG or JPEG image file";
	private static final int HEAD = 64;
	private static final int TAG_STRIP_OFFSETS = 273, TAG_STRIP_BYTES = 279, TAG_TILE_OFFSETS = 324,
		TAG_TILE_BYTES = 325;

	private ImageFileCheck() {}

	/**
	 * Whether {@code file} is a PNG with an alpha channel (colour type 4, grey + alpha, or 6, RGB + alpha): ImageJ opens
	 * it without the alpha, so a front-end says so instead of dropping it in silence. False for anything else.
	 */
	public static boolean pngWithAlpha(Path file) {
		byte[] ihdr = new byte[26]; // signature (8), chunk length (4), "IHDR" (4), width, height, bit depth, colour type
		try (var in = Files.newInputStream(file)) {
			if (in.readNBytes(ihdr, 0, ihdr.length) < ihdr.length) return false;
		}
		catch (IOException e) {
			return false;
		}
		if (!"PNG".equals(format(ihdr)) || ihdr[12] != 'I' || ihdr[13] != 'H' || ihdr[14] != 'D' || ihdr[15] != 'R')
			return false;
		return ihdr[25] == 4 || ihdr[25] == 6;
	}

	/** @throws DiffSegException (input) naming the file and what it is, when it cannot be a usable image */
	public static void check(Path file) {
		if (!Files.exists(file)) throw input(file + ": no such image file", "check the path");
		if (Files.isDirectory(file)) throw input(file + " is a folder, not an image file", "give an image file in it");
		if (!Files.isRegularFile(file)) throw input(file + " is not a regular file", FIX);
		long size;
		byte[] head;
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
			size = ch.size();
			ByteBuffer b = ByteBuffer.allocate((int) Math.min(HEAD, size));
			while (b.hasRemaining() && ch.read(b) >= 0) {
				// until full or at the end
			}
			head = new byte[b.position()];
			b.flip().get(head);
			if (size == 0) throw input(file + " is empty (0 bytes), probably left by an interrupted copy or download",
				FIX);
			String format = format(head);
			if (format == null) {
				String expected = expected(file);
				if (expected == null) return; // another format ImageJ may read (even text images)
				throw input(file + " is not a " + expected + " image (it starts with " + (looksLikeText(head) ? "text" :
					"the bytes " + hex(head, 8)) + ")", FIX);
			}
			if (format.equals("TIFF")) checkTiff(file, ch, size, head[0] == 'I' ? ByteOrder.LITTLE_ENDIAN :
				ByteOrder.BIG_ENDIAN);
		}
		catch (IOException e) {
			throw input(file + " cannot be read (" + e.getMessage() + ")", "check that it is readable");
		}
	}

	private static void checkTiff(Path file, FileChannel ch, long size, ByteOrder order) throws IOException {
		long ifd = u32(read(ch, 4, 4, order), 0);
		Set<Long> seen = new HashSet<>();
		int directory = 0;
		while (ifd != 0) {
			directory++;
			if (!seen.add(ifd)) throw input(file + " is damaged: its image directories form a loop", FIX);
			if (ifd + 2 > size) throw truncated(file, "image directory " + directory + " starts at byte " + ifd, size);
			int entries = u16(read(ch, ifd, 2, order), 0);
			long end = ifd + 2 + 12L * entries + 4;
			if (end > size) throw truncated(file, "image directory " + directory + " ends at byte " + end, size);
			ByteBuffer d = read(ch, ifd + 2, 12 * entries + 4, order);
			long[] offsets = null, counts = null;
			for (int i = 0; i < entries; i++) {
				int tag = u16(d, 12 * i);
				if (tag == TAG_STRIP_OFFSETS || tag == TAG_TILE_OFFSETS) offsets = values(file, ch, d, 12 * i, size, order);
				else if (tag == TAG_STRIP_BYTES || tag == TAG_TILE_BYTES) counts = values(file, ch, d, 12 * i, size,
					order);
			}
			if (offsets != null && counts != null) for (int i = 0; i < Math.min(offsets.length, counts.length); i++) {
				long last = offsets[i] + counts[i];
				if (last > size) throw truncated(file, "the pixel data of image " + directory + " end at byte " + last,
					size);
			}
			ifd = u32(d, 12 * entries);
		}
	}

	/** The SHORT or LONG values of an entry (null for other types), read where they are. */
	private static long[] values(Path file, FileChannel ch, ByteBuffer d, int at, long size, ByteOrder order)
		throws IOException
	{
		int type = u16(d, at + 2);
		long count = u32(d, at + 4);
		int width = type == 3 ? 2 : type == 4 ? 4 : 0;
		if (width == 0 || count > 10_000_000) return null;
		ByteBuffer v;
		if (count * width <= 4) v = d.duplicate().order(order).position(at + 8).slice().order(order);
		else {
			long offset = u32(d, at + 8);
			if (offset + count * width > size) throw truncated(file, "a strip table ends at byte " + (offset + count *
				width), size);
			v = read(ch, offset, (int) (count * width), order);
		}
		long[] out = new long[(int) count];
		for (int i = 0; i < count; i++) out[i] = width == 2 ? u16(v, 2 * i) : u32(v, 4 * i);
		return out;
	}

	private static ByteBuffer read(FileChannel ch, long at, int n, ByteOrder order) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(n).order(order);
		while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) break;
		b.flip();
		if (b.remaining() < n) throw new IOException("short read at byte " + at);
		return b;
	}

	private static int u16(ByteBuffer b, int at) {
		return b.getShort(at) & 0xffff;
	}

	private static long u32(ByteBuffer b, int at) {
		return b.getInt(at) & 0xffffffffL;
	}

	private static DiffSegException truncated(Path file, String what, long size) {
		return input(file + " is a truncated TIFF: " + what + ", but the file has " + size + " bytes, probably " +
			"cut short by an interrupted copy or download", "copy the image again");
	}

	/** "TIFF", "PNG", "JPEG", "GIF", "BMP" by the first bytes, or null. */
	static String format(byte[] h) {
		if (starts(h, 0x89, 'P', 'N', 'G')) return "PNG";
		if (starts(h, 0xff, 0xd8, 0xff)) return "JPEG";
		if (starts(h, 'I', 'I', 42, 0) || starts(h, 'M', 'M', 0, 42)) return "TIFF";
		if (starts(h, 'I', 'I', 43, 0) || starts(h, 'M', 'M', 0, 43)) return "BigTIFF";
		if (starts(h, 'G', 'I', 'F', '8')) return "GIF";
		if (starts(h, 'B', 'M')) return "BMP";
		return null;
	}

	private static String expected(Path file) {
		String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
		if (n.endsWith(".png")) return "PNG";
		if (n.endsWith(".jpg") || n.endsWith(".jpeg")) return "JPEG";
		if (n.endsWith(".tif") || n.endsWith(".tiff")) return "TIFF";
		return null;
	}

	private static boolean starts(byte[] h, int... magic) {
		if (h.length < magic.length) return false;
		for (int i = 0; i < magic.length; i++) if ((h[i] & 0xff) != magic[i]) return false;
		return true;
	}

	private static boolean looksLikeText(byte[] h) {
		for (byte b : h) {
			int c = b & 0xff;
			if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
			if (c == 0x7f) return false;
		}
		return true;
	}

	private static String hex(byte[] h, int n) {
		StringBuilder b = new StringBuilder();
		for (int i = 0; i < Math.min(n, h.length); i++) b.append(i == 0 ? "" : " ").append(String.format("%02x",
			h[i] & 0xff));
		return b.toString();
	}

	private static DiffSegException input(String problem, String fix) {
		return new DiffSegException(DiffSegException.Kind.INPUT, problem, fix);
	}
}
