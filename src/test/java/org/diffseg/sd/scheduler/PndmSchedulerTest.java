package org.diffseg.sd.scheduler;

import static org.diffseg.sd.scheduler.SchedulerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

class PndmSchedulerTest {
	/**
	 * diffusers' PNDMScheduler.set_timesteps with skip_prk_steps: _timesteps = arange(n) * (N // n) + steps_offset,
	 * then plms_timesteps = concat(_timesteps[:-1], _timesteps[-2:-1], _timesteps[-1:])[::-1].
	 */
	@Test
	void timestepsFollowDiffusersFormula() throws Exception {
		PndmScheduler s = new PndmScheduler(fixtureConfig());
		long[] t = s.setTimesteps(50);
		assertEquals(51, t.length);
		long[] base = new long[50];
		for (int i = 0; i < 50; i++) base[i] = i * 20L + 1;
		long[] expected = new long[51];
		System.arraycopy(base, 0, expected, 0, 49);
		expected[49] = base[48];
		expected[50] = base[49];
		for (int i = 0; i < 51; i++) assertEquals(expected[50 - i], t[i], "timestep " + i);
		assertArrayEquals(new long[] { 981, 961, 961, 941 }, java.util.Arrays.copyOf(t, 4));
		assertEquals(1, t[50]);
		// numpy's output for the other spacings (n = 7)
		assertArrayEquals(new long[] { 853, 711, 711, 569, 427, 285, 143, 1 }, s.setTimesteps(7));
		assertArrayEquals(new long[] { 999, 832, 832, 666, 500, 333, 166, 0 }, new PndmScheduler(fixtureConfigWith(
			"timestep_spacing", "linspace")).setTimesteps(7));
		assertArrayEquals(new long[] { 999, 856, 856, 713, 570, 428, 285, 142 }, new PndmScheduler(fixtureConfigWith(
			"timestep_spacing", "trailing")).setTimesteps(7));
		assertArrayEquals(new long[] { 751, 501, 501, 251, 1 }, s.setTimesteps(4));
	}

	@Test
	void stepsAlongTheNoiseLineOfAKnownX0() throws Exception {
		assertStaysOnTheNoiseLine(PndmScheduler::new);
	}

	/**
	 * Data x0 ~ N(0, c²) with c = 0.5: the ideal noise prediction is ε̂(x_t) = sqrt(1-ᾱ) x_t / (ᾱ c² + 1 - ᾱ) and
	 * the probability-flow ODE maps x at ᾱ_s to x sqrt((ᾱ_e c² + 1 - ᾱ_e) / (ᾱ_s c² + 1 - ᾱ_s)). Unlike a model
	 * that knows x0, this prediction changes along the path, so the multistep weights and the warm-up matter.
	 * The expected end values were computed in float64 with numpy by a separate transcription of diffusers'
	 * PNDMScheduler.step_plms (x_start = 1).
	 */
	@Test
	void plmsOnGaussianDataMatchesAFloat64Transcription() throws Exception {
		assertEquals(0.48371078531680245, gaussianRun(new PndmScheduler(fixtureConfig()), 10, false), 1e-5);
		assertEquals(0.5003884952557912, gaussianRun(new PndmScheduler(fixtureConfig()), 50, false), 1e-5);
		PndmScheduler v = new PndmScheduler(fixtureConfigWith("prediction_type", "v_prediction"));
		assertEquals(0.42885154304908385, gaussianRun(v, 10, true), 1e-5);
		assertEquals(0.4874250855414733, gaussianRun(v, 50, true), 1e-5);
		// PLMS is the higher-order method: far closer to the exact ODE solution than DDIM at 50 steps
		NoiseSchedule ns = new NoiseSchedule(fixtureConfig());
		double c2 = 0.25;
		double aStart = ns.alphaCumprod(981);
		double aEnd = ns.alphaCumprod(0);
		double exact = Math.sqrt((aEnd * c2 + 1 - aEnd) / (aStart * c2 + 1 - aStart));
		double plmsError = Math.abs(gaussianRun(new PndmScheduler(fixtureConfig()), 50, false) - exact);
		double ddimError = Math.abs(gaussianRun(new DdimScheduler(fixtureConfig()), 50, false) - exact);
		assertTrue(plmsError < ddimError / 10, "PLMS error " + plmsError + ", DDIM error " + ddimError);
	}

	private static double gaussianRun(Scheduler s, int steps, boolean vPrediction) {
		double c2 = 0.25;
		NoiseSchedule ns = s.noiseSchedule();
		try (NDManager m = NDManager.newBaseManager(); s) {
			NDArray x = m.ones(new Shape(1, 4, 2, 2));
			for (long t : s.setTimesteps(steps)) {
				double a = ns.alphaCumprod((int) t);
				NDArray eps = x.mul((float) (Math.sqrt(1 - a) / (a * c2 + 1 - a)));
				NDArray output = eps;
				if (vPrediction) {
					NDArray x0 = x.sub(eps.mul((float) Math.sqrt(1 - a))).div((float) Math.sqrt(a));
					output = eps.mul((float) Math.sqrt(a)).sub(x0.mul((float) Math.sqrt(1 - a)));
				}
				x = s.step(output, t, x);
			}
			float[] values = x.toFloatArray();
			for (float value : values) assertEquals(values[0], value, "every element follows the same scalar ODE");
			return values[0];
		}
	}

	@Test
	void historyStaysOutOfTheCallersManagerAndResetStartsAfresh() throws Exception {
		try (PndmScheduler s = new PndmScheduler(fixtureConfig()); NDManager m = NDManager.newBaseManager()) {
			long[] t = s.setTimesteps(8);
			m.getEngine().setRandomSeed(3);
			NDArray start = m.randomNormal(new Shape(1, 4, 8, 8));
			float[] first = null;
			for (int run = 0; run < 2; run++) {
				NDArray x = start;
				for (int i = 0; i < t.length; i++) {
					NDArray output = x.mul(0.1f + 0.01f * i);
					NDArray next = stepKeepingOnlyItsResult(s, m, output, t[i], x, "step " + i);
					output.close();
					x = next;
				}
				if (run == 0) first = x.toFloatArray();
				else assertArrayEquals(first, x.toFloatArray(), "the run after reset() repeats the first");
				s.reset();
			}
		}
	}

	@Test
	void refusesTheRungeKuttaWarmUp() throws Exception {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PndmScheduler(
			fixtureConfigWith("skip_prk_steps", false)));
		assertTrue(e.getMessage().contains("skip_prk_steps"), e.getMessage());
	}
}
