package org.diffseg.sd;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Gives freed native memory back to the operating system. PyTorch's CPU tensors come from glibc malloc, whose arenas
 * keep freed blocks: without trimming, the resident size of a long run creeps up by gigabytes although nothing leaks.
 * {@code malloc_trim(0)} returns those blocks; it exists on glibc (Linux) only and is a no-op elsewhere.
 */
public final class NativeMemory {
	private interface CLibrary extends Library {
		int malloc_trim(long pad);
	}

	private static final CLibrary LIBC = load();

	private NativeMemory() {}

	private static CLibrary load() {
		if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return null;
		try {
			return Native.load("c", CLibrary.class);
		}
		catch (Throwable t) { // no glibc (e.g. musl): nothing to trim
			return null;
		}
	}

	/** Returns free heap memory to the system (Linux/glibc); cheap enough to call after each network forward. */
	public static void release() {
		if (LIBC == null) return;
		try {
			LIBC.malloc_trim(0);
		}
		catch (Throwable t) {
			// symbol missing: ignore
		}
	}
}
