package org.diffseg.sd;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tunes the C allocator that PyTorch's CPU tensors come from, once per process, before the first model loads.
 * <p>
 * libtorch allocates CPU tensors with {@code posix_memalign}. With glibc's defaults every block above the dynamic mmap
 * threshold is mapped for one operator and unmapped right after, and the top of each heap is trimmed as soon as 128 KiB
 * are free: the next operator faults the same pages in again, zeroed by the kernel. Measured on Stable Diffusion
 * (2 cores) a third of the CPU time went to the kernel that way. Here, on glibc, {@code mallopt} raises the mmap
 * threshold to its maximum (32 MiB on 64-bit: larger values are refused), keeps freed memory in the heaps (trim
 * threshold 1 GiB, top pad 64 MiB) and caps the number of arenas, so a many-threaded host (Fiji) cannot multiply the
 * memory kept. Results do not change: only where blocks come from.
 * <p>
 * Blocks above 32 MiB (a VAE activation at 256 px and up) are still mapped per operator whatever mallopt says, so
 * libtorch is also asked to put tensors of 2 MiB and more on transparent huge pages ({@code THP_MEM_ALLOC_ENABLE=1},
 * set in this process before libtorch's first allocation; where the kernel allows THP): one fault per 2 MiB instead
 * of 512, and fewer TLB misses in the kernels (measured: 7x fewer page faults, a quarter of the user time on
 * elementwise operators over 32 MiB tensors).
 * <p>
 * Memory stays bounded: what the heaps keep is reused by the next operator, so the resident size of a long run is the
 * peak of one step, flat over iterations. {@link #release()} hands kept memory back when a model is closed.
 * <p>
 * Parameters the user set through glibc's environment variables ({@code MALLOC_TRIM_THRESHOLD_} ...) are left as set.
 * {@code -Ddiffseg.malloc=off} (or the environment variable {@code DIFFSEG_MALLOC=off}) leaves the allocator alone.
 * Elsewhere (macOS, Windows, musl) nothing is changed, and {@link #settings()} says so.
 */
public final class NativeMemory {

	/** glibc's mallopt parameters (malloc.h). */
	static final int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3, M_ARENA_MAX = -8;

	/** The values DiffSeg sets. */
	static final long TRIM_THRESHOLD = 1L << 30, TOP_PAD = 64L << 20, MMAP_THRESHOLD = 32L << 20;
	static final int ARENA_MAX = 4;

	interface GlibC extends Library {
		int mallopt(int param, int value);

		int malloc_trim(long pad);

		String gnu_get_libc_version();

		int setenv(String name, String value, int overwrite);
	}

	/** What {@link #configure()} found and did. */
	public record Settings(String allocator, boolean tuned, List<String> applied, List<String> notes) {
		/** One line, e.g. for {@code diffseg system}. */
		@Override
		public String toString() {
			StringBuilder b = new StringBuilder(allocator);
			if (!applied.isEmpty()) b.append(": ").append(String.join(", ", applied));
			for (String n : notes) b.append("; ").append(n);
			return b.toString();
		}
	}

	private static final class Holder {
		static final GlibC LIBC = load();
		static final Settings SETTINGS = apply(LIBC, System.getenv(), System.getProperty("diffseg.malloc"));
	}

	private NativeMemory() {}

	/**
	 * Tunes the allocator (once; thread-safe, idempotent: later calls return the first result). Called where every
	 * front-end passes before its first tensor: the engine probe, model loading, the command line.
	 */
	public static Settings configure() {
		return Holder.SETTINGS;
	}

	/** The allocator settings in force (configures first if nothing did yet). */
	public static Settings settings() {
		return configure();
	}

	/** glibc through JNA, null where there is none. */
	static GlibC libc() {
		return Holder.LIBC;
	}

	private static GlibC load() {
		if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return null;
		try {
			GlibC c = Native.load("c", GlibC.class);
			c.gnu_get_libc_version(); // musl lacks it
			return c;
		}
		catch (Throwable t) { // no glibc (e.g. musl, Alpine): nothing to tune
			return null;
		}
	}

	static Settings apply(GlibC libc, Map<String, String> env, String property) {
		String os = System.getProperty("os.name", "?");
		if (libc == null) return new Settings("system allocator (" + os + ", not glibc)", false, List.of(),
			List.of("left as is"));
		String version;
		try {
			version = libc.gnu_get_libc_version();
		}
		catch (Throwable t) {
			return new Settings("system allocator (not glibc)", false, List.of(), List.of("left as is"));
		}
		String allocator = "glibc " + version + " malloc";
		String off = property != null ? property : env.get("DIFFSEG_MALLOC");
		if (off != null && off.trim().equalsIgnoreCase("off")) return new Settings(allocator, false, List.of(),
			List.of("left at glibc's defaults (diffseg.malloc=off)"));
		List<String> applied = new ArrayList<>();
		List<String> notes = new ArrayList<>();
		set(libc, env, M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_", "mmap threshold", MMAP_THRESHOLD, applied, notes);
		set(libc, env, M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", "trim threshold", TRIM_THRESHOLD, applied, notes);
		set(libc, env, M_TOP_PAD, "MALLOC_TOP_PAD_", "top pad", TOP_PAD, applied, notes);
		set(libc, env, M_ARENA_MAX, "MALLOC_ARENA_MAX", "arena max", ARENA_MAX, applied, notes);
		hugePages(libc, env, applied, notes);
		return new Settings(allocator, !applied.isEmpty(), List.copyOf(applied), List.copyOf(notes));
	}

	private static void set(GlibC libc, Map<String, String> env, int param, String envName, String label, long value,
		List<String> applied, List<String> notes)
	{
		String user = env.get(envName);
		if (user != null) {
			notes.add(label + " left as " + envName + "=" + user + " sets it");
			return;
		}
		int ok;
		try {
			ok = libc.mallopt(param, (int) Math.min(Integer.MAX_VALUE, value));
		}
		catch (Throwable t) {
			ok = 0;
		}
		if (ok == 1) applied.add(label + " " + (param == M_ARENA_MAX ? String.valueOf(value) : bytes(value)));
		else notes.add(label + " " + (param == M_ARENA_MAX ? String.valueOf(value) : bytes(value)) + " refused");
	}

	/** The kernel's transparent huge page mode ("always", "madvise", "never"), null where unknown. */
	static String kernelThp() {
		try {
			String modes = java.nio.file.Files.readString(java.nio.file.Path.of(
				"/sys/kernel/mm/transparent_hugepage/enabled"));
			int open = modes.indexOf('['), close = modes.indexOf(']');
			return open >= 0 && close > open ? modes.substring(open + 1, close) : null;
		}
		catch (java.io.IOException | RuntimeException e) {
			return null;
		}
	}

	/**
	 * Sets THP_MEM_ALLOC_ENABLE=1 for libtorch, which reads it once, at its first CPU allocation (so it must happen
	 * before the first tensor; later it changes nothing). Left alone when the user set it or the kernel has THP off.
	 */
	private static void hugePages(GlibC libc, Map<String, String> env, List<String> applied, List<String> notes) {
		String user = env.get(THP_ENV);
		if (user != null) {
			notes.add("huge pages left as " + THP_ENV + "=" + user + " sets them");
			return;
		}
		String mode = kernelThp();
		if (mode == null || mode.equals("never")) {
			notes.add("no transparent huge pages (kernel: " + (mode == null ? "unknown" : mode) + ")");
			return;
		}
		int ok;
		try {
			ok = libc.setenv(THP_ENV, "1", 0);
		}
		catch (Throwable t) {
			ok = -1;
		}
		if (ok == 0) applied.add("huge pages for tensors >= 2 MiB (" + THP_ENV + "=1, kernel THP " + mode + ")");
		else notes.add("huge pages not enabled (setenv failed)");
	}

	static final String THP_ENV = "THP_MEM_ALLOC_ENABLE";

	static String bytes(long b) {
		if (b % (1L << 30) == 0) return (b >> 30) + " GiB";
		if (b % (1L << 20) == 0) return (b >> 20) + " MiB";
		return b + " B";
	}

	/**
	 * Hands memory the heaps keep back to the system (glibc; nothing elsewhere). For rare moments, such as closing a
	 * model: never per operator, which would make the next one fault its pages in again.
	 */
	public static void release() {
		GlibC libc = Holder.LIBC;
		if (libc == null) return;
		try {
			libc.malloc_trim(0);
		}
		catch (Throwable t) {
			// symbol missing: ignore
		}
	}
}
