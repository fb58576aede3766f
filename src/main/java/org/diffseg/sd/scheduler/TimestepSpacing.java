package org.diffseg.sd.scheduler;

import java.util.Locale;

/**
 * diffusers' {@code timestep_spacing}: how the inference timesteps are spread over the training timesteps
 * (table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed"). Each scheduler applies it in its
 * own way; this holds the choice and numpy's {@code linspace}/{@code arange}, reproduced to the last bit because
 * the timesteps are rounded half-to-even afterwards and a value like 499.49999999999994 decides the result.
 */
public enum TimestepSpacing {
	LINSPACE, LEADING, TRAILING;

	/** The value of the config key, or {@code classDefault} if it is absent. */
	public static TimestepSpacing of(String configValue, TimestepSpacing classDefault) {
		if (configValue == null) return classDefault;
		for (TimestepSpacing s : values()) if (s.key().equals(configValue)) return s;
		throw new IllegalArgumentException("timestep_spacing '" + configValue + "' in scheduler_config.json is not" +
			" one of linspace, leading, trailing; fix or remove the key");
	}

	/** The name used in {@code scheduler_config.json}. */
	public String key() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** {@code numpy.linspace(start, stop, num)}: {@code i * ((stop - start) / (num - 1)) + start}, last = stop. */
	static double[] linspace(double start, double stop, int num) {
		double[] y = new double[num];
		double step = (stop - start) / (num - 1);
		for (int i = 0; i < num; i++) y[i] = num > 1 ? i * step + start : start;
		if (num > 1) y[num - 1] = stop;
		return y;
	}

	/**
	 * {@code numpy.arange(start, stop, step)} for floats: {@code ceil((stop - start) / step)} values
	 * {@code start + i * delta} where numpy's delta is {@code (start + step) - start}, not {@code step}.
	 */
	static double[] arange(double start, double stop, double step) {
		int n = (int) Math.max(0, Math.ceil((stop - start) / step));
		double delta = (start + step) - start;
		double[] y = new double[n];
		for (int i = 0; i < n; i++) y[i] = i == 1 ? start + step : start + i * delta;
		return y;
	}

	/** Rounds half to even ({@code numpy.round}) and converts to int64. */
	static long[] round(double[] values) {
		long[] out = new long[values.length];
		for (int i = 0; i < out.length; i++) out[i] = (long) Math.rint(values[i]);
		return out;
	}

	/** Reverses in place and returns the array. */
	static long[] reverse(long[] a) {
		for (int i = 0, j = a.length - 1; i < j; i++, j--) {
			long t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		return a;
	}

	/** Checks the number of inference steps against the training schedule, as diffusers does. */
	static void checkSteps(int steps, int numTrainTimesteps) {
		if (steps < 1 || steps > numTrainTimesteps) throw new IllegalArgumentException("the number of inference" +
			" steps is " + steps + "; it must be between 1 and num_train_timesteps (" + numTrainTimesteps + ")");
	}
}
