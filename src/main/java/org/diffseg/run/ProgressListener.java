package org.diffseg.run;

/**
 * Told how far a run has got: {@code done} of {@code total} steps of a stage ("window", "iteration", "support image",
 * "plane"...). The one progress interface of DiffSeg: front-ends show it (a status bar, lines on stderr); stopping a
 * run is the {@link CancelToken}'s job, not the listener's.
 */
@FunctionalInterface
public interface ProgressListener {
	ProgressListener NONE = (stage, done, total) -> {};

	void progress(String stage, int done, int total);

	/** This listener with every stage name prefixed (e.g. "plane 2/5, " before "window 3/9"). */
	default ProgressListener prefixed(String prefix) {
		return prefix.isEmpty() ? this : (stage, done, total) -> progress(prefix + stage, done, total);
	}
}
