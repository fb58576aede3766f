package org.diffseg.sd.scheduler;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerConfigTest {
	@TempDir
	Path dir;

	private Path write(String json) throws IOException {
		return Files.writeString(dir.resolve("scheduler_config.json"), json);
	}

	@Test
	void readsTheFixtureConfig() throws IOException {
		SchedulerConfig c = SchedulerTestSupport.fixtureConfig();
		assertEquals("PNDMScheduler", c.className());
		assertEquals(1000, c.numTrainTimesteps());
		assertEquals(0.00085, c.betaStart());
		assertEquals(0.012, c.betaEnd());
		assertEquals("scaled_linear", c.betaSchedule());
		assertNull(c.trainedBetas());
		assertEquals(1, c.stepsOffset());
		assertEquals(Boolean.FALSE, c.setAlphaToOne());
		assertEquals(Boolean.TRUE, c.skipPrkSteps());
		assertEquals(Boolean.FALSE, c.clipSample());
		assertEquals("epsilon", c.predictionType());
		assertNull(c.timestepSpacing(), "absent: each scheduler applies its class default");
		assertEquals(Map.of(), c.otherKeys());
		assertEquals(c, SchedulerTestSupport.fixtureConfig(), "value semantics");
		assertNotEquals(c, SchedulerTestSupport.fixtureConfigWith("steps_offset", 0));
	}

	@Test
	void absentKeysTakeDiffusersDefaults() throws IOException {
		SchedulerConfig c = SchedulerConfig.load(write("{\"_class_name\": \"DDIMScheduler\"}"));
		assertEquals(SchedulerConfig.defaults().numTrainTimesteps(), c.numTrainTimesteps());
		assertEquals(0.0001, c.betaStart());
		assertEquals(0.02, c.betaEnd());
		assertEquals("linear", c.betaSchedule());
		assertEquals(0, c.stepsOffset());
		assertNull(c.setAlphaToOne());
		assertNull(c.clipSample());
		assertEquals(1.0, c.clipSampleRange());
		assertEquals("epsilon", c.predictionType());
	}

	@Test
	void unknownBetaScheduleGivesAClearError() throws IOException {
		Path p = write("{\"beta_schedule\": \"squaredcos_cap_v2\"}");
		IOException e = assertThrows(IOException.class, () -> SchedulerConfig.load(p));
		assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
		assertTrue(e.getMessage().contains("beta_schedule 'squaredcos_cap_v2' is not supported"), e.getMessage());
		assertTrue(e.getMessage().contains("linear and scaled_linear"), e.getMessage());
	}

	@Test
	void badValuesAndFilesGiveClearErrors() throws IOException {
		assertTrue(assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"beta_start\": \"small\"}")))
			.getMessage().contains("\"beta_start\" must be a number, found \"small\""));
		assertTrue(assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"prediction_type\": \"flow\"}")))
			.getMessage().contains("prediction_type 'flow' is not supported"));
		assertTrue(assertThrows(IOException.class, () -> SchedulerConfig.load(write("[1, 2]")))
			.getMessage().contains("not a JSON object"));
		assertTrue(assertThrows(IOException.class, () -> SchedulerConfig.load(dir.resolve("missing.json")))
			.getMessage().contains("does not exist"));
	}

	@Test
	void trainedBetasReplaceTheSchedule() throws IOException {
		SchedulerConfig c = SchedulerConfig.load(write("{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 0.2, 0.5]}"));
		NoiseSchedule s = new NoiseSchedule(c);
		assertArrayEquals(new float[] { 0.1f, 0.2f, 0.5f }, s.betas());
		assertEquals(c, SchedulerConfig.load(write("{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 0.2, 0.5]}")));
		assertArrayEquals(new float[] { 0.9f, 0.9f * 0.8f, 0.9f * 0.8f * 0.5f }, s.alphasCumprod(), 1e-7f);
		assertThrows(IOException.class, () -> SchedulerConfig.load(write("{\"trained_betas\": [0.1]}")));
	}

	@Test
	void unimplementedOptionsAreRefusedNotIgnored() throws IOException {
		SchedulerConfig karras = SchedulerTestSupport.fixtureConfigWith("use_karras_sigmas", true);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Schedulers.create(karras, "dpm++"));
		assertTrue(e.getMessage().contains("\"use_karras_sigmas\": true"), e.getMessage());
		// DDIM does not read use_karras_sigmas, as in diffusers' from_config
		assertNotNull(Schedulers.create(karras, "ddim"));
		assertThrows(IllegalArgumentException.class, () -> Schedulers.create(SchedulerTestSupport.fixtureConfigWith(
			"solver_order", 3), "dpm++"));
		assertThrows(IllegalArgumentException.class, () -> Schedulers.create(SchedulerTestSupport.fixtureConfigWith(
			"variance_type", "learned_range"), "dpm++"));
		// diffusers writes -Infinity (Python's json) for the default lambda_min_clipped
		SchedulerConfig unclipped = SchedulerConfig.load(write("{\"lambda_min_clipped\": -Infinity}"));
		assertNotNull(Schedulers.create(unclipped, "dpm++"));
		IllegalArgumentException clipped = assertThrows(IllegalArgumentException.class, () -> Schedulers.create(
			SchedulerConfig.load(write("{\"lambda_min_clipped\": -5.1}")), "dpm++"));
		assertTrue(clipped.getMessage().contains("\"lambda_min_clipped\": -5.1"), clipped.getMessage());
		assertTrue(clipped.getMessage().contains("supports only -Infinity"), clipped.getMessage());
		// the supported values themselves, and those diffusers maps onto them, are accepted
		assertNotNull(Schedulers.create(SchedulerTestSupport.fixtureConfigWith("solver_type", "bh2",
			"variance_type", null), "dpm++"));
		assertNotNull(Schedulers.create(SchedulerTestSupport.fixtureConfigWith("solver_order", 2, "algorithm_type",
			"dpmsolver++", "lower_order_final", true), "dpm++"));
	}

	@Test
	void stableDiffusionPipelineFixesOldConfigs() throws IOException {
		// CompVis SD 1.4's original config has neither steps_offset nor clip_sample
		SchedulerConfig old = SchedulerTestSupport.fixtureConfigWith("steps_offset", null, "clip_sample", null,
			"set_alpha_to_one", null);
		assertEquals(0, old.stepsOffset());
		SchedulerConfig fixed = old.asInStableDiffusionPipeline();
		assertEquals(1, fixed.stepsOffset());
		assertNull(fixed.clipSample(), "PNDM has no clip_sample: the pipeline leaves it absent");
		SchedulerConfig ddim = SchedulerTestSupport.fixtureConfigWith("_class_name", "DDIMScheduler", "clip_sample", null)
			.asInStableDiffusionPipeline();
		assertEquals(Boolean.FALSE, ddim.clipSample(), "DDIM's default clip_sample true is turned off");
	}
}
