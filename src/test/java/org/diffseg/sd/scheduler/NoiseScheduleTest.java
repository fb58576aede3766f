package org.diffseg.sd.scheduler;

import static org.diffseg.sd.scheduler.SchedulerTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.diffseg.sd.SafeTensors;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {
	@Test
	void betasAndAlphasCumprodMatchDiffusers() throws Exception {
		NoiseSchedule s = new NoiseSchedule(fixtureConfig());
		try (SafeTensors st = SafeTensors.open(REFERENCE)) {
			assertRelative(st.readFloats("betas"), s.betas(), 1e-5, "betas");
			assertRelative(st.readFloats("alphas_cumprod"), s.alphasCumprod(), 1e-5, "alphas_cumprod");
		}
		assertEquals(s.alphasCumprod()[500], s.alphaCumprod(500));
		assertThrows(IllegalArgumentException.class, () -> s.alphaCumprod(1000));
	}

	@Test
	void linearScheduleIsTorchLinspace() throws Exception {
		NoiseSchedule s = new NoiseSchedule(fixtureConfigWith("beta_schedule", "linear"));
		float[] b = s.betas();
		assertEquals(0.00085f, b[0]);
		assertEquals(0.012f, b[999]);
		assertEquals((float) (0.00085 + (0.012 - 0.00085) * 400 / 999), b[400], 1e-9f);
		// scaled_linear differs from linear in the middle: sqrt-space interpolation
		assertTrue(new NoiseSchedule(fixtureConfig()).betas()[400] < b[400] * 0.9f);
	}

	@Test
	void addNoiseMatchesDiffusersPerRowTimesteps() throws Exception {
		NoiseSchedule s = new NoiseSchedule(fixtureConfig());
		try (SafeTensors st = SafeTensors.open(REFERENCE); NDManager m = NDManager.newBaseManager()) {
			NDArray x0 = load(st, m, "add_noise_original");
			NDArray noise = load(st, m, "add_noise_noise");
			long[] t = st.readLongs("add_noise_timesteps");
			int before = m.getManagedArrays().size();
			NDArray noisy = s.addNoise(x0, noise, t);
			assertEquals(before + 1, m.getManagedArrays().size(), "only the result stays in the caller's manager");
			assertEquals(new Shape(4, 4, 8, 8), noisy.getShape());
			assertBound(st.readFloats("add_noise_result"), noisy.toFloatArray(), 1e-4, "add_noise_result");
			// one scalar timestep is broadcast over the batch
			NDArray row2 = s.addNoise(x0, noise, new long[] { t[2] });
			assertEquals(new Shape(1, 4, 8, 8), row2.getShape());
			assertArrayEquals(noisy.get(2).toFloatArray(), row2.toFloatArray());
			NDArray two = x0.concat(x0);
			assertThrows(IllegalArgumentException.class, () -> s.addNoise(two, two, t));
		}
	}
}
