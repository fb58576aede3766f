package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * A multistep scheduler's own native memory: arrays kept from one step to the next, moved out of the step's
 * scope into a manager opened on the first {@link #keep} and freed by {@link #close()}.
 */
final class History implements AutoCloseable {
	private NDManager manager;

	/** Moves {@code array} into the history (on {@code like}'s device and engine), out of the step's scope. */
	NDArray keep(NDArray array, NDArray like) {
		if (manager == null) manager = NDManager.newBaseManager(like.getDevice(), like.getManager().getEngine()
			.getEngineName());
		array.attach(manager);
		NDScope.unregister(array);
		return array;
	}

	/** Frees every array kept; the next {@link #keep} opens a new manager. */
	@Override
	public void close() {
		if (manager != null) manager.close();
		manager = null;
	}
}
