package org.diffseg.sd.scheduler;

import static org.diffseg.sd.scheduler.SchedulerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;

class DdimSchedulerTest {
	@Test
	void timestepsMatchDiffusers() throws Exception {
		DdimScheduler s = new DdimScheduler(fixtureConfig());
		try (SafeTensors st = SafeTensors.open(REFERENCE)) {
			assertArrayEquals(st.readLongs("ddim_timesteps_30"), s.setTimesteps(30));
			assertArrayEquals(st.readLongs("ddim_timesteps_50"), s.setTimesteps(50));
			assertArrayEquals(st.readLongs("ddim_timesteps_50"), s.timesteps());
		}
	}

	/** Expected values printed by numpy with the expressions of diffusers' DDIMScheduler.set_timesteps. */
	@Test
	void everyTimestepSpacingAsNumpy() throws Exception {
		SchedulerFactory ddim = DdimScheduler::new;
		assertSevenStepSpacings(ddim, new long[] { 853, 711, 569, 427, 285, 143, 1 },
			new long[] { 999, 832, 666, 500, 333, 166, 0 }, new long[] { 999, 856, 713, 570, 428, 285, 142 });
		long[] trailing30 = spaced(ddim, "trailing").setTimesteps(30);
		assertEquals(30, trailing30.length);
		assertArrayEquals(new long[] { 999, 966, 932, 899 }, java.util.Arrays.copyOf(trailing30, 4));
		assertEquals(32, trailing30[29]);
		assertThrows(IllegalArgumentException.class, () -> spaced(ddim, "cosine"));
		assertThrows(IllegalArgumentException.class, () -> spaced(ddim, "leading").setTimesteps(1001));
	}

	@Test
	void fiftyStepTrajectoryMatchesDiffusers() throws Exception {
		assertFollowsReferenceTrajectory("ddim", 50, "ddim50", 4 * 8 * 8, 1);
	}

	@Test
	void stepsAlongTheNoiseLineOfAKnownX0() throws Exception {
		assertStaysOnTheNoiseLine(DdimScheduler::new);
		float alpha0 = new NoiseSchedule(fixtureConfig()).alphaCumprod(0);
		DdimScheduler v = new DdimScheduler(fixtureConfigWith("prediction_type", "v_prediction"));
		assertTrue(maxDeviationFromNoiseLine(v, 30, true, alpha0) < 2e-5);
	}

	@Test
	void clipSampleClampsThePredictedX0() throws Exception {
		// clip_sample absent: DDIM's class default (true) applies
		DdimScheduler s = new DdimScheduler(fixtureConfigWith("clip_sample", null));
		long[] t = s.setTimesteps(10);
		NoiseSchedule ns = s.noiseSchedule();
		float a = ns.alphaCumprod((int) t[0]);
		float aPrev = ns.alphaCumprod((int) t[1]);
		try (NDManager m = NDManager.newBaseManager()) {
			float eps = 0.5f;
			float x0 = 3f;
			NDArray sample = m.create(new float[] { (float) (Math.sqrt(a) * x0 + Math.sqrt(1 - a) * eps) });
			float out = s.step(m.create(new float[] { eps }), t[0], sample).getFloat(0);
			assertEquals(Math.sqrt(aPrev) * 1 + Math.sqrt(1 - aPrev) * eps, out, 1e-5, "x0 clamped to 1");
		}
	}

	@Test
	void refusesToStepBeforeSetTimesteps() throws Exception {
		DdimScheduler s = new DdimScheduler(fixtureConfig());
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(1));
			assertThrows(IllegalStateException.class, () -> s.step(x, 981, x));
		}
	}
}
