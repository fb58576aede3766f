package org.diffseg.sd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Private (copy-on-write) mappings of a file's byte ranges, through the C library: Java maps a file privately only
 * through a channel opened for writing, which a read-only model folder (an update site's install, a shared cluster
 * disk) does not allow, while POSIX maps privately from a read-only descriptor. Linux only (glibc or musl); elsewhere
 * {@link #available()} is false and callers copy instead.
 */
final class FileMapping implements AutoCloseable {
	private static final int O_RDONLY = 0, PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2;
	private static final Pointer MAP_FAILED = new Pointer(-1);

	interface LibC extends Library {
		int open(String path, int flags);

		Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

		int munmap(Pointer address, long length);

		int close(int fd);

		int getpagesize();
	}

	private static final class Holder {
		static final LibC LIBC = load();
		static final long PAGE = LIBC == null ? 0 : LIBC.getpagesize();
	}

	private static LibC load() {
		if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return null;
		try {
			return Native.load("c", LibC.class);
		}
		catch (Throwable t) { // no JNA natives for this platform: callers copy
			return null;
		}
	}

	/** Whether mappings can be made here. */
	static boolean available() {
		return Holder.LIBC != null;
	}

	private final Pointer address;
	private final long length;
	private final ByteBuffer bytes;
	private boolean closed;

	private FileMapping(Pointer address, long length, ByteBuffer bytes) {
		this.address = address;
		this.length = length;
		this.bytes = bytes;
	}

	/**
	 * Maps {@code length} bytes of {@code path} from {@code offset}, readable and writable, with writes kept in this
	 * process (the file is never changed).
	 *
	 * @return the mapping, or null when it cannot be made (then copy)
	 */
	static FileMapping privateCopyOnWrite(Path path, long offset, long length) {
		LibC c = Holder.LIBC;
		if (c == null || length <= 0 || length > Integer.MAX_VALUE - Holder.PAGE || offset < 0) return null;
		long aligned = offset - offset % Holder.PAGE;
		long span = length + (offset - aligned);
		int fd = c.open(path.toString(), O_RDONLY);
		if (fd < 0) return null;
		try {
			Pointer p = c.mmap(null, span, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, aligned);
			if (p == null || MAP_FAILED.equals(p)) return null;
			ByteBuffer b = p.getByteBuffer(offset - aligned, length).order(ByteOrder.nativeOrder());
			return new FileMapping(p, span, b);
		}
		finally {
			c.close(fd); // the mapping keeps the file open
		}
	}

	/** The mapped bytes (a direct buffer); invalid after {@link #close()}. */
	ByteBuffer bytes() {
		return bytes;
	}

	/** Unmaps; nothing may use the bytes afterwards. */
	@Override
	public synchronized void close() {
		if (closed) return;
		closed = true;
		Holder.LIBC.munmap(address, length);
	}
}
