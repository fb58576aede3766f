package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;

/**
 * A diffusers sampler: it chooses the inference timesteps and turns the model's prediction at one timestep into
 * the sample at the next. Use: {@code setTimesteps(n)}, then for each {@code t} of {@code timesteps()} in order,
 * {@code sample = step(model(scaleModelInput(sample, t), t), t, sample)}. Multistep samplers keep a history of
 * model outputs in native memory; {@link #close()} (or {@link #reset()}) frees it. Not thread-safe.
 */
public interface Scheduler extends AutoCloseable {
	/**
	 * Chooses {@code steps} inference timesteps (diffusers' {@code set_timesteps}) and clears any history.
	 *
	 * @return the timesteps in the order they are to be stepped (a copy). PNDM returns one more than
	 *         {@code steps} (for 2 steps or more): its warm-up repeats the second timestep.
	 */
	long[] setTimesteps(int steps);

	/** The timesteps of the last {@link #setTimesteps} call (a copy). */
	long[] timesteps();

	/**
	 * One sampling step from {@code timestep} to the next timestep of the schedule.
	 *
	 * @param modelOutput the model's prediction (ε or v, as the config's {@code prediction_type} says)
	 * @param timestep    the current timestep: the next one of {@link #timesteps()}
	 * @param sample      the current sample x_t
	 * @return the next sample, a new array in {@code sample}'s manager that the caller owns and closes
	 */
	NDArray step(NDArray modelOutput, long timestep, NDArray sample);

	/** Standard deviation of the initial noise; 1 for every scheduler here. */
	default float initNoiseSigma() {
		return 1f;
	}

	/**
	 * Scales the model input for schedulers that need it. The identity for DDIM, PNDM and DPM-Solver: it returns
	 * {@code sample} itself, so do not close the result separately.
	 */
	default NDArray scaleModelInput(NDArray sample, long timestep) {
		return sample;
	}

	/** Forgets the multistep history and step counter (keeping the timesteps) and frees native memory. */
	void reset();

	/** The training noise schedule the sampler runs on. */
	NoiseSchedule noiseSchedule();

	/** Frees the history, like {@link #reset()}. */
	@Override
	default void close() {
		reset();
	}
}
