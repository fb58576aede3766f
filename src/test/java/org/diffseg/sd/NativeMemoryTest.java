package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The allocator tuning: applied once on glibc, reported, and left alone where the user said so. */
class NativeMemoryTest {

	private static boolean glibc() {
		return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") &&
			NativeMemory.settings().allocator().startsWith("glibc");
	}

	@Test
	void configuredOnceAndReported() {
		NativeMemory.Settings s = NativeMemory.configure();
		assertSame(s, NativeMemory.configure(), "idempotent: the first result is kept");
		assertSame(s, NativeMemory.settings());
		if (!glibc()) {
			assertFalse(s.tuned(), s.toString());
			return;
		}
		if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null && System.getenv("DIFFSEG_MALLOC") == null &&
			System.getProperty("diffseg.malloc") == null)
		{
			assertTrue(s.tuned(), s.toString());
			// the largest threshold glibc accepts on 64-bit; larger ones are refused
			assertTrue(s.applied().contains("mmap threshold 32 MiB"), s.toString());
			assertTrue(s.applied().contains("trim threshold 1 GiB"), s.toString());
			String thp = NativeMemory.kernelThp();
			if (System.getenv(NativeMemory.THP_ENV) == null && thp != null && !thp.equals("never"))
				assertTrue(s.applied().stream().anyMatch(a -> a.startsWith("huge pages")), s.toString());
		}
		assertTrue(s.toString().startsWith("glibc "), s.toString());
	}

	@Test
	void whatTheUserSetIsLeftAndOffMeansOff() {
		if (!glibc()) return;
		NativeMemory.Settings off = NativeMemory.apply(null, Map.of(), "off");
		assertFalse(off.tuned());
		assertTrue(off.toString().contains("not glibc"), off.toString());
		// with the real library: the user's environment variable wins for that parameter
		NativeMemory.Settings user = NativeMemory.apply(libc(), Map.of("MALLOC_TRIM_THRESHOLD_", "1000000"), null);
		assertFalse(user.applied().stream().anyMatch(a -> a.startsWith("trim threshold")), user.toString());
		assertTrue(user.notes().stream().anyMatch(n -> n.contains("MALLOC_TRIM_THRESHOLD_=1000000")), user.toString());
		NativeMemory.Settings disabled = NativeMemory.apply(libc(), Map.of("DIFFSEG_MALLOC", "off"), null);
		assertFalse(disabled.tuned(), disabled.toString());
		assertEquals(0, disabled.applied().size());
	}

	private static NativeMemory.GlibC libc() {
		return NativeMemory.libc();
	}
}
