package org.diffseg.fiji;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.scijava.service.SciJavaService;

/**
 * The one owner of DiffSeg's loaded models (like imagej-tensorflow's model service): a model is loaded once per
 * (folder, device, dtype, class), reused by every command, and its native memory freed on {@link #release} or when the
 * context is disposed. It also hands out the per-device {@link RunLease}: one run at a time per device, a second one
 * is refused with a clear message instead of running out of GPU memory.
 * <p>
 * Loading honours thread interruption: a thread interrupted before or while waiting for a load gets a
 * {@link CancellationException}; loaders should check {@link Thread#isInterrupted()} between files.
 */
public interface DiffSegModelService extends SciJavaService {

	/** Loads a model; called once per key, on the thread that asked first. */
	@FunctionalInterface
	interface Loader<T extends AutoCloseable> {
		T load() throws IOException;
	}

	/** What a loaded model is keyed by: the folder (absolute, normalised), device and dtype (lower case), class. */
	record Key(Path folder, String device, String dtype, Class<?> type) {
		static Key of(Path folder, String device, String dtype, Class<?> type) {
			return new Key(folder.toAbsolutePath().normalize(), normalise(device, "device"), normalise(dtype, "dtype"), type);
		}

		static String normalise(String value, String what) {
			if (value == null || value.isBlank()) throw new IllegalArgumentException("no " + what + " given.");
			return value.strip().toLowerCase(Locale.ROOT);
		}
	}

	/**
	 * The model for this key: the loaded one, or loaded now with {@code loader}. Concurrent requests for the same key
	 * wait for one load; a failed load is forgotten, so the next request tries again.
	 *
	 * @throws CancellationException when the thread is interrupted before or during loading (a model that finished
	 *         loading stays cached for the next run)
	 * @throws IOException the loader's
	 */
	<T extends AutoCloseable> T get(Path folder, String device, String dtype, Class<T> type, Loader<? extends T> loader)
		throws IOException;

	/** The keys of the loaded models, in loading order. */
	List<Key> loaded();

	/** Frees the models loaded from this folder on this device and dtype; returns how many. */
	int release(Path folder, String device, String dtype);

	/** The device for one run; a second run on the same device is refused while this one holds it. */
	RunLease acquire(String device);
}
