package org.diffseg.run;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Asks a run to stop, with SciJava's {@code Cancelable} semantics: {@link #cancel(String)} records a reason, the run
 * sees {@link #isCancelled()} at its next step and throws {@link CancellationException} (it returns no result and
 * leaves no output). The one cancel mechanism of DiffSeg: a front-end cancels the token (Fiji's task list, Esc, an
 * interrupted thread; a cluster job's timeout) and the run passes it down to every engine, which checks it between
 * steps. {@link #onCancel} is for what a check between steps cannot reach, e.g. closing a stream a blocked read waits on
 * (the model downloader).
 */
public final class CancelToken {
	private volatile String reason;
	private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
	private final BooleanSupplier poll;

	public CancelToken() {
		this(() -> false);
	}

	/** A token that is also cancelled when {@code cancelled} says so (polled at each check, e.g. Esc pressed). */
	public CancelToken(BooleanSupplier cancelled) {
		poll = cancelled;
	}

	/** A token nobody cancels. */
	public static CancelToken none() {
		return new CancelToken();
	}

	/** Asks the run to stop; the first reason is kept. */
	public void cancel(String why) {
		synchronized (this) {
			if (reason != null) return;
			reason = why == null || why.isBlank() ? "cancelled" : why;
		}
		for (Runnable r : callbacks) r.run();
	}

	public boolean isCancelled() {
		if (reason == null && poll.getAsBoolean()) cancel("cancelled");
		return reason != null;
	}

	/** Why the run was cancelled, or null while it is not. */
	public String reason() {
		return reason;
	}

	/** Throws {@link CancellationException} (with the reason) when the run was cancelled. */
	public void check() {
		if (isCancelled()) throw new CancellationException(reason);
	}

	/** Runs {@code callback} when the token is cancelled (at once when it already is). */
	public void onCancel(Runnable callback) {
		callbacks.add(callback);
		if (isCancelled()) callback.run();
	}
}
