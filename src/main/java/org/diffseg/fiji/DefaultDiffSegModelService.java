package org.diffseg.fiji;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.Service;

/** The default {@link DiffSegModelService}: a cache of loaded models and the per-device leases. */
@Plugin(type = Service.class)
public class DefaultDiffSegModelService extends AbstractService implements DiffSegModelService {

	@Parameter(required = false)
	private LogService log;

	private final Map<Key, FutureTask<AutoCloseable>> models = new LinkedHashMap<>();
	private final Map<String, Holder> leases = new HashMap<>();
	private boolean disposed;

	/** The thread holding a device, and how many leases it holds (a command may run another on the same thread). */
	private static final class Holder {
		final Thread thread = Thread.currentThread();
		int count;
	}

	/**
	 * The model for this key: the loaded one, or loaded now with {@code loader}. Concurrent requests for the same key
	 * wait for one load; a failed load is forgotten, so the next request tries again.
	 *
	 * @throws CancellationException when the thread is interrupted before or during loading (a model that finished
	 *         loading stays cached for the next run)
	 * @throws IOException the loader's
	 */
	@Override
	public <T extends AutoCloseable> T get(Path folder, String device, String dtype, Class<T> type,
		Loader<? extends T> loader) throws IOException
	{
		Key key = DiffSegModelService.Key.of(folder, device, dtype, type);
		if (Thread.currentThread().isInterrupted()) throw new CancellationException("model loading was cancelled.");
		FutureTask<AutoCloseable> task;
		boolean mine = false;
		synchronized (this) {
			if (disposed) throw new IllegalStateException("DiffSeg's model service is shut down (its context was disposed).");
			task = models.get(key);
			if (task == null) {
				task = new FutureTask<>(() -> {
					T model = loader.load();
					if (model == null) throw new IllegalStateException("loading " + key.folder() + " returned no model.");
					return model;
				});
				models.put(key, task);
				mine = true;
			}
		}
		if (mine) task.run();
		AutoCloseable model;
		try {
			model = task.get();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new CancellationException("model loading was cancelled.");
		}
		catch (ExecutionException e) {
			synchronized (this) {
				models.remove(key, task);
			}
			throw rethrow(e.getCause());
		}
		boolean gone;
		synchronized (this) {
			gone = disposed;
		}
		if (gone) {
			if (mine) close(key, task); // finished loading after dispose(), which could not free it
			throw new IllegalStateException("DiffSeg's model service was shut down while " + key.folder() + " was loading.");
		}
		if (Thread.currentThread().isInterrupted()) throw new CancellationException("cancelled after loading the model.");
		return type.cast(model);
	}

	private static IOException rethrow(Throwable cause) {
		if (cause instanceof InterruptedException || cause instanceof InterruptedIOException ||
			cause instanceof ClosedByInterruptException) throw new CancellationException("model loading was cancelled.");
		if (cause instanceof IOException io) return io;
		if (cause instanceof RuntimeException re) throw re;
		if (cause instanceof Error error) throw error;
		throw new IllegalStateException(cause);
	}

	/** The models loaded now. */
	@Override
	public synchronized List<Key> loaded() {
		List<Key> keys = new ArrayList<>();
		models.forEach((key, task) -> {
			if (task.isDone() && !task.isCancelled() && result(task) != null) keys.add(key);
		});
		return keys;
	}

	/**
	 * Frees every model loaded from {@code folder} for this device and dtype (of any class); models still loading stay.
	 *
	 * @return how many were freed
	 * @throws DeviceBusyException when a run on another thread holds the device (it may be using them)
	 */
	@Override
	public int release(Path folder, String device, String dtype) {
		Key probe = DiffSegModelService.Key.of(folder, device, dtype, Object.class);
		Map<Key, FutureTask<AutoCloseable>> freed = new LinkedHashMap<>();
		synchronized (this) {
			Holder holder;
			synchronized (leases) {
				holder = leases.get(probe.device());
			}
			if (holder != null && holder.thread != Thread.currentThread()) throw new DeviceBusyException(probe.device());
			models.entrySet().removeIf(e -> {
				Key k = e.getKey();
				boolean match = k.folder().equals(probe.folder()) && k.device().equals(probe.device()) &&
					k.dtype().equals(probe.dtype()) && e.getValue().isDone();
				if (match) freed.put(k, e.getValue());
				return match;
			});
		}
		freed.forEach(this::close);
		return freed.size();
	}

	/**
	 * The right to run on {@code device}; close it when the run ends. The thread that holds a device may acquire it
	 * again (a command running another); any other thread is refused until it is closed.
	 *
	 * @throws DeviceBusyException when a run on another thread holds the device
	 */
	@Override
	public RunLease acquire(String device) {
		String dev = Key.normalise(device, "device");
		Holder holder;
		synchronized (leases) {
			holder = leases.get(dev);
			if (holder != null && holder.thread != Thread.currentThread()) throw new DeviceBusyException(dev);
			if (holder == null) leases.put(dev, holder = new Holder());
			holder.count++;
		}
		Holder h = holder;
		return new RunLease(dev, () -> {
			synchronized (leases) {
				if (--h.count == 0) leases.remove(dev, h);
			}
		});
	}

	/** Frees every loaded model; called when the context is disposed. */
	@Override
	public void dispose() {
		Map<Key, FutureTask<AutoCloseable>> all;
		synchronized (this) {
			disposed = true;
			all = new LinkedHashMap<>(models);
			models.clear();
		}
		all.forEach((key, task) -> {
			if (task.isDone()) close(key, task);
		});
	}

	private void close(Key key, FutureTask<AutoCloseable> task) {
		AutoCloseable model = result(task);
		if (model == null) return;
		try {
			model.close();
		}
		catch (Exception e) {
			if (log != null) log.warn("DiffSeg: freeing the model " + key.folder() + " failed: " + e.getMessage(), e);
		}
	}

	/** The loaded model of a finished task, or null when it failed. */
	private static AutoCloseable result(FutureTask<AutoCloseable> task) {
		if (!task.isDone() || task.isCancelled()) return null;
		try {
			return task.get();
		}
		catch (InterruptedException | ExecutionException e) {
			return null;
		}
	}
}
