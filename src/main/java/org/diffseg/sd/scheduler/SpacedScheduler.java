package org.diffseg.sd.scheduler;

/**
 * What the three samplers share: the training noise schedule, the timestep spacing and prediction type of the
 * config, and the timesteps {@link #setTimesteps} chose.
 */
abstract class SpacedScheduler implements Scheduler {
	final NoiseSchedule schedule;
	final int numTrainTimesteps;
	final int stepsOffset;
	final TimestepSpacing spacing;
	final PredictionType prediction;
	/** Null until {@link #setTimesteps} is called. */
	long[] timesteps;
	private final String name;

	/**
	 * @param name           the sampler's name in messages, e.g. DDIM
	 * @param defaultSpacing the class's default, where the config has no {@code timestep_spacing}
	 */
	SpacedScheduler(String name, SchedulerConfig config, TimestepSpacing defaultSpacing) {
		this.name = name;
		schedule = new NoiseSchedule(config);
		numTrainTimesteps = config.numTrainTimesteps();
		stepsOffset = config.stepsOffset();
		spacing = TimestepSpacing.of(config.timestepSpacing(), defaultSpacing);
		prediction = config.prediction();
	}

	@Override
	public long[] timesteps() {
		if (timesteps == null) throw notSet();
		return timesteps.clone();
	}

	@Override
	public NoiseSchedule noiseSchedule() {
		return schedule;
	}

	IllegalStateException notSet() {
		return new IllegalStateException("call setTimesteps before using the " + name + " scheduler");
	}
}
