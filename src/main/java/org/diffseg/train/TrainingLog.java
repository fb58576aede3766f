package org.diffseg.train;

/**
 * What a training run records as it goes, for a front-end's log: every optimisation step's loss and rate, and status
 * lines (stage starts, checkpoints, results). It carries data only: how far the run has got goes to the run's one
 * {@link org.diffseg.run.ProgressListener}, and stopping the run is its {@link org.diffseg.run.CancelToken}'s job; a
 * log can neither stop a run nor is it needed to follow one. Called on the training thread: implementations must be
 * quick (redraw a line, print one).
 */
@FunctionalInterface
public interface TrainingLog {
	TrainingLog NONE = entry -> {};

	/** One record of the log. */
	sealed interface Entry permits Step, Note {}

	/**
	 * An optimisation step just finished.
	 * @param stage "vae" or "unet"
	 * @param step steps of the stage done, of {@code steps}
	 * @param secondsPerStep the rate of this process (for an ETA)
	 */
	record Step(String stage, int step, int steps, float loss, double secondsPerStep) implements Entry {}

	/** A status line: a stage starts or ends, a checkpoint is written, a run resumes. */
	record Note(String line) implements Entry {}

	void record(Entry entry);
}
