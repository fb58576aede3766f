package org.diffseg.fiji;

/**
 * The right to run on one device, from {@link DiffSegModelService#acquire(String)}; closing it lets the next run in.
 * Hold it for the whole run, model loading included: {@code try (RunLease lease = models.acquire(device)) { ... }}.
 */
public final class RunLease implements AutoCloseable {

	private final String device;
	private final Runnable release;
	private boolean closed;

	RunLease(String device, Runnable release) {
		this.device = device;
		this.release = release;
	}

	/** The device, as the service keys it (trimmed, lower case). */
	public String device() {
		return device;
	}

	@Override
	public synchronized void close() {
		if (closed) return;
		closed = true;
		release.run();
	}
}
