package org.diffseg.sd.scheduler;

import static org.diffseg.sd.scheduler.SchedulerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;
import java.util.Arrays;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;

class DpmSolverMultistepSchedulerTest {
	@Test
	void timestepsAndSigmasMatchDiffusers() throws Exception {
		DpmSolverMultistepScheduler s = new DpmSolverMultistepScheduler(fixtureConfig());
		try (SafeTensors st = SafeTensors.open(REFERENCE)) {
			assertArrayEquals(st.readLongs("dpm_timesteps_30"), s.setTimesteps(30));
			float[] sigmas = s.sigmas();
			assertEquals(0f, sigmas[30]);
			float[] expected = st.readFloats("dpm_sigmas_30");
			assertEquals(0f, expected[30]);
			assertRelative(Arrays.copyOf(expected, 30), Arrays.copyOf(sigmas, 30), 1e-5, "dpm_sigmas_30");
		}
	}

	/** Expected values printed by numpy with the expressions of diffusers' DPMSolverMultistepScheduler. */
	@Test
	void everyTimestepSpacingAsNumpy() throws Exception {
		assertSevenStepSpacings(DpmSolverMultistepScheduler::new, new long[] { 876, 751, 626, 501, 376, 251, 126 },
			new long[] { 999, 856, 714, 571, 428, 285, 143 }, new long[] { 999, 856, 713, 570, 428, 285, 142 });
	}

	@Test
	void thirtyStepTrajectoryMatchesDiffusersAndResetStartsAfresh() throws Exception {
		assertFollowsReferenceTrajectory("dpm++", 30, "dpm30", 256, 2);
	}

	/** The scheduler part of the fixture's 30-step text-to-image run, driven by its stored guided predictions. */
	@Test
	void samplingRunLatentsMatchDiffusers() throws Exception {
		try (SafeTensors st = SafeTensors.open(Path.of("models/tiny-sd-a/reference/sampling.safetensors"));
			NDManager m = NDManager.newBaseManager(); Scheduler s = Schedulers.create(fixtureConfig(), "dpm++"))
		{
			long[] t = s.setTimesteps(30);
			assertArrayEquals(st.readLongs("timesteps"), t);
			NDArray guided = load(st, m, "noise_pred_cfg");
			float[] trajectory = st.readFloats("latents_trajectory");
			NDArray x = load(st, m, "init_latents");
			assertArrayEquals(Arrays.copyOf(trajectory, 256), x.toFloatArray());
			for (int i = 0; i < t.length; i++) {
				x = s.step(guided.get(i), t[i], s.scaleModelInput(x, t[i]));
				assertBound(row(trajectory, i + 1, 256), x.toFloatArray(), 1e-3,
					"latents_trajectory[" + (i + 1) + "]");
			}
			assertBound(st.readFloats("final_latents"), x.toFloatArray(), 1e-3, "final_latents");
		}
	}

	@Test
	void stepsAlongTheNoiseLineOfAKnownX0AndEndsAtIt() throws Exception {
		// final sigma 0: the last step returns the x0 prediction
		assertTrue(maxDeviationFromNoiseLine(new DpmSolverMultistepScheduler(fixtureConfig()), 30, false, 1f) < 2e-5);
		assertTrue(maxDeviationFromNoiseLine(new DpmSolverMultistepScheduler(fixtureConfig()), 7, false, 1f) < 2e-5);
		DpmSolverMultistepScheduler v = new DpmSolverMultistepScheduler(fixtureConfigWith("prediction_type",
			"v_prediction"));
		assertTrue(maxDeviationFromNoiseLine(v, 30, true, 1f) < 2e-5);
	}

	/** diffusers computes the update in float32 and returns the model's type: float16 in, float16 out. */
	@Test
	void halfPrecisionStepsReturnHalfPrecision() throws Exception {
		try (SafeTensors st = SafeTensors.open(REFERENCE); NDManager m = NDManager.newBaseManager();
			Scheduler s = Schedulers.create(fixtureConfig(), "dpm++"))
		{
			long[] t = s.setTimesteps(30);
			NDArray outputs = load(st, m, "dpm30_model_outputs").toType(DataType.FLOAT16, false);
			float[] trajectory = st.readFloats("dpm30_trajectory");
			NDArray x = load(st, m, "dpm30_trajectory").get(0).toType(DataType.FLOAT16, false);
			for (int i = 0; i < 3; i++) {
				x = s.step(outputs.get(i), t[i], x);
				assertEquals(DataType.FLOAT16, x.getDataType());
				assertBound(row(trajectory, i + 1, 256), x.toType(DataType.FLOAT32, false).toFloatArray(), 5e-3,
					"float16 step " + i);
			}
		}
	}

	@Test
	void refusesStepsOutOfOrder() throws Exception {
		try (DpmSolverMultistepScheduler s = new DpmSolverMultistepScheduler(fixtureConfig());
			NDManager m = NDManager.newBaseManager())
		{
			long[] t = s.setTimesteps(3);
			NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(1, 4, 2, 2));
			assertThrows(IllegalArgumentException.class, () -> s.step(x, 500, x));
			s.step(x, t[0], x);
			assertThrows(IllegalStateException.class, () -> s.step(x, t[0], x));
			s.step(x, t[1], x);
			s.step(x, t[2], x);
			assertThrows(IllegalStateException.class, () -> s.step(x, t[2], x));
		}
	}
}
