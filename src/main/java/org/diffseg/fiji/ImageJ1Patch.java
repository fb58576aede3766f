package org.diffseg.fiji;

import net.imagej.patcher.LegacyInjector;

/**
 * Patches ImageJ 1.x with ij1-patcher, as Fiji's legacy layer does, so that {@link LegacyBridge} can install hooks.
 * It must run before any {@code ij.*} class loads, which is why this class references none: call
 * {@link #ensurePatched()} first thing, before touching {@link LegacyBridge} or {@link MacroRunner}. A JVM started with
 * {@code -javaagent:ij1-patcher.jar=init} (the test JVM) or running inside Fiji is patched already.
 */
public final class ImageJ1Patch {

	private ImageJ1Patch() {}

	/**
	 * Patches ImageJ 1.x unless that is done already.
	 *
	 * @throws IllegalStateException when ImageJ 1.x was loaded unpatched, or when Java's module system forbids the
	 *         patching; the message says how to start Java
	 */
	public static synchronized void ensurePatched() {
		try {
			LegacyInjector.preinit(ImageJ1Patch.class.getClassLoader());
		}
		catch (RuntimeException | LinkageError e) {
			throw new IllegalStateException("ImageJ 1.x could not be patched for DiffSeg's macro bridge. " +
				"Start Java with --add-opens=java.base/java.lang=ALL-UNNAMED, and make sure no ImageJ class is used before " +
				"the bridge starts.", e);
		}
	}
}
