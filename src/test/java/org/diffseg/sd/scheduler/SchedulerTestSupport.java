package org.diffseg.sd.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.diffseg.sd.SafeTensors;

/** Fixture paths, parity assertions with the bounds of fixtures/README.md, and the x0-recovery property. */
final class SchedulerTestSupport {
	static final Path CONFIG = Path.of("models/tiny-sd-a/scheduler/scheduler_config.json");
	static final Path REFERENCE = Path.of("models/tiny-sd-a/reference/scheduler.safetensors");

	private SchedulerTestSupport() {
	}

	static SchedulerConfig fixtureConfig() throws IOException {
		return SchedulerConfig.load(CONFIG);
	}

	/** The fixture config with some keys replaced (value null removes the key). */
	static SchedulerConfig fixtureConfigWith(Object... keyValues) throws IOException {
		JsonObject o = JsonParser.parseString(Files.readString(CONFIG)).getAsJsonObject();
		for (int i = 0; i < keyValues.length; i += 2) {
			String key = (String) keyValues[i];
			if (keyValues[i + 1] == null) o.remove(key);
			else o.add(key, new Gson().toJsonTree(keyValues[i + 1]));
		}
		return SchedulerConfig.parse(o);
	}

	/** The scheduler {@code make} builds on the fixture config with diffusers' timestep_spacing {@code spacing}. */
	static Scheduler spaced(SchedulerFactory make, String spacing) throws IOException {
		return make.create(fixtureConfigWith("timestep_spacing", spacing));
	}

	/**
	 * setTimesteps(7) under each timestep_spacing gives the timesteps numpy printed with the expressions of the
	 * diffusers scheduler {@code make} ports.
	 */
	static void assertSevenStepSpacings(SchedulerFactory make, long[] leading, long[] linspace, long[] trailing)
		throws IOException
	{
		assertArrayEquals(leading, spaced(make, "leading").setTimesteps(7), "leading");
		assertArrayEquals(linspace, spaced(make, "linspace").setTimesteps(7), "linspace");
		assertArrayEquals(trailing, spaced(make, "trailing").setTimesteps(7), "trailing");
	}

	/** One step that leaves nothing but its result in the caller's manager {@code m}. */
	static NDArray stepKeepingOnlyItsResult(Scheduler s, NDManager m, NDArray output, long t, NDArray x, String what) {
		int before = m.getManagedArrays().size();
		NDArray next = s.step(output, t, x);
		assertEquals(before + 1, m.getManagedArrays().size(), what + ": only the result stays in the caller's manager");
		return next;
	}

	/** Row {@code i} of a stored trajectory of rows of {@code size} values. */
	static float[] row(float[] trajectory, int i, int size) {
		return Arrays.copyOfRange(trajectory, i * size, (i + 1) * size);
	}

	/**
	 * Steps from {@code x} along the timesteps {@code t} with the stored model outputs (one a step): each step leaves
	 * only its result in {@code m}, and each result is within {@code bound} of the next row of the stored
	 * {@code trajectory} (rows of {@code size} values, row 0 the start).
	 *
	 * @return the last result
	 */
	static NDArray followStoredTrajectory(Scheduler s, NDManager m, long[] t, NDArray outputs, NDArray x,
		float[] trajectory, int size, double bound, String what)
	{
		for (int i = 0; i < t.length; i++) {
			NDArray output = outputs.get(i);
			NDArray next = stepKeepingOnlyItsResult(s, m, output, t[i], x, what + " step " + i);
			output.close();
			assertBound(row(trajectory, i + 1, size), next.toFloatArray(), bound, what + "[" + (i + 1) + "]");
			x = next;
		}
		return x;
	}

	/**
	 * The scheduler {@code kind} on the fixture config, with the stored {@code steps} timesteps, follows the stored
	 * {@code <name>_model_outputs} from row 0 of {@code <name>_trajectory} (rows of {@code size} values) within 1e-4
	 * of each next row: {@code runs} times, with a reset after each run (a run after a reset must not see the history
	 * of the one before).
	 */
	static void assertFollowsReferenceTrajectory(String kind, int steps, String name, int size, int runs)
		throws IOException
	{
		try (SafeTensors st = SafeTensors.open(REFERENCE); NDManager m = NDManager.newBaseManager();
			Scheduler s = Schedulers.create(fixtureConfig(), kind))
		{
			long[] t = s.setTimesteps(steps);
			NDArray outputs = load(st, m, name + "_model_outputs");
			float[] trajectory = st.readFloats(name + "_trajectory");
			NDArray start = load(st, m, name + "_trajectory").get(0);
			for (int run = 0; run < runs; run++) {
				followStoredTrajectory(s, m, t, outputs, start, trajectory, size, 1e-4, "run " + run + " " + name +
					"_trajectory");
				s.reset();
			}
		}
	}

	/**
	 * {@link #maxDeviationFromNoiseLine} stays below 2e-5 for the fixture config over 50 steps (set_alpha_to_one
	 * false, as in SD configs: the last step lands at ᾱ_0, not exactly at x0) and with set_alpha_to_one true over 30
	 * steps (the last step returns x0 itself).
	 */
	static void assertStaysOnTheNoiseLine(SchedulerFactory make) throws IOException {
		float alpha0 = new NoiseSchedule(fixtureConfig()).alphaCumprod(0);
		assertTrue(maxDeviationFromNoiseLine(make.create(fixtureConfig()), 50, false, alpha0) < 2e-5);
		assertTrue(maxDeviationFromNoiseLine(make.create(fixtureConfigWith("set_alpha_to_one", true)), 30, false,
			1f) < 2e-5);
	}

	interface SchedulerFactory {
		Scheduler create(SchedulerConfig config) throws IOException;
	}

	static NDArray load(SafeTensors st, NDManager manager, String name) throws IOException {
		return st.load(manager, name, ai.djl.ndarray.types.DataType.FLOAT32);
	}

	/** max|actual - expected| <= bound * max|expected|. */
	static void assertBound(float[] expected, float[] actual, double bound, String what) {
		org.diffseg.sd.Reference.assertWithin(expected, actual, bound, what);
	}

	/** |actual - expected| <= rel * |expected| for every element. */
	static void assertRelative(float[] expected, float[] actual, double rel, String what) {
		assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected " +
			expected.length);
		for (int i = 0; i < expected.length; i++) assertTrue(Math.abs(actual[i] - expected[i]) <= rel * Math.abs(
			expected[i]), what + "[" + i + "] = " + actual[i] + ", expected " + expected[i]);
	}

	/**
	 * Samples with a model that knows x0: at every x_t it predicts the true noise ε = (x_t - sqrt(ᾱ_t) x0) /
	 * sqrt(1 - ᾱ_t) (or the true v = sqrt(ᾱ_t) ε - sqrt(1 - ᾱ_t) x0). A correct sampler then stays on the
	 * line x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) ε0 of the starting noise ε0: checked after every step, where the
	 * target of the last step has ᾱ = {@code finalAlphaCumprod}.
	 *
	 * @return the largest deviation from the line over all steps
	 */
	static double maxDeviationFromNoiseLine(Scheduler scheduler, int steps, boolean vPrediction,
		float finalAlphaCumprod)
	{
		NoiseSchedule schedule = scheduler.noiseSchedule();
		long[] t = scheduler.setTimesteps(steps);
		double worst = 0;
		try (NDManager manager = NDManager.newBaseManager()) {
			manager.getEngine().setRandomSeed(7);
			NDArray x0 = manager.randomNormal(new Shape(2, 4, 8, 8));
			NDArray eps0 = manager.randomNormal(new Shape(2, 4, 8, 8));
			NDArray x = schedule.addNoise(x0, eps0, new long[] { t[0] });
			for (int i = 0; i < t.length; i++) {
				float a = schedule.alphaCumprod((int) t[i]);
				NDArray eps = x.sub(x0.mul((float) Math.sqrt(a))).div((float) Math.sqrt(1 - a));
				NDArray output = vPrediction ? eps.mul((float) Math.sqrt(a)).sub(x0.mul((float) Math.sqrt(1 - a))) : eps;
				NDArray next = scheduler.step(output, t[i], x);
				double aNext = i + 1 < t.length ? schedule.alphaCumprod((int) t[i + 1]) : finalAlphaCumprod;
				NDArray line = x0.mul((float) Math.sqrt(aNext)).add(eps0.mul((float) Math.sqrt(1 - aNext)));
				worst = Math.max(worst, next.sub(line).abs().max().getFloat());
				x = next;
			}
		}
		return worst;
	}
}
