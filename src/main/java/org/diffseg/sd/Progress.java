package org.diffseg.sd;

import java.util.concurrent.CancellationException;

/** Step-wise progress of a long computation; returning false cancels it (the computation throws CancellationException). */
@FunctionalInterface
public interface Progress {
	Progress NONE = (done, total) -> true;

	boolean onStep(int done, int total);

	/** Reports a step and throws {@link CancellationException} when the listener asks to stop. */
	default void step(int done, int total) {
		if (!onStep(done, total)) throw new CancellationException("cancelled at step " + done + " of " + total);
	}
}
