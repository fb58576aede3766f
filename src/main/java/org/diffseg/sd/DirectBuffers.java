package org.diffseg.sd;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer now instead of at some later garbage collection: loading 4 GB of weights through direct
 * buffers would otherwise hold up to the heap size of native memory (or fail with "Cannot reserve direct buffer
 * memory" under a small -Xmx).
 */
final class DirectBuffers {
	private static final Object UNSAFE;
	private static final Method INVOKE_CLEANER;

	static {
		Object unsafe = null;
		Method cleaner = null;
		try {
			Class<?> c = Class.forName("sun.misc.Unsafe");
			Field f = c.getDeclaredField("theUnsafe");
			f.setAccessible(true);
			unsafe = f.get(null);
			cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			// not available: buffers are freed by the garbage collector
		}
		UNSAFE = unsafe;
		INVOKE_CLEANER = cleaner;
	}

	private DirectBuffers() {}

	static void free(ByteBuffer buffer) {
		if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) return;
		try {
			INVOKE_CLEANER.invoke(UNSAFE, buffer);
		}
		catch (ReflectiveOperationException | RuntimeException e) {
			// leave it to the garbage collector
		}
	}
}
