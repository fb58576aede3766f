package org.diffseg.sd.scheduler;

import static org.diffseg.sd.scheduler.SchedulerTestSupport.assertBound;
import static org.diffseg.sd.scheduler.SchedulerTestSupport.fixtureConfig;
import static org.diffseg.sd.scheduler.SchedulerTestSupport.fixtureConfigWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every sampler honours {@code prediction_type} by construction: a v (or x0) model whose output is the conversion of an
 * ε model's output (v = sqrt(ᾱ) ε - sqrt(1-ᾱ) x0, x0 = (x - sqrt(1-ᾱ) ε) / sqrt(ᾱ)) must walk the same trajectory as
 * the ε model, step by step, multistep history included.
 */
class PredictionTypeTest {

	/** The ε model: a fixed function of the sample, so that each trajectory feeds back into the predictions. */
	private static NDArray epsilonModel(NDArray x, NDArray c) {
		return x.mul(0.3f).add(c);
	}

	/** The same model's prediction in {@code type}, at x_t with ᾱ_t = a: the exact conversion of ε. */
	private static NDArray convert(PredictionType type, NDArray eps, NDArray x, float a) {
		float sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1 - a);
		NDArray x0 = x.sub(eps.mul(sb)).div(sa);
		return switch (type) {
			case EPSILON -> eps;
			case V_PREDICTION -> eps.mul(sa).sub(x0.mul(sb));
			case SAMPLE -> x0;
		};
	}

	private static float[] run(String kind, PredictionType type, int steps) throws Exception {
		Scheduler s = Schedulers.create(fixtureConfigWith("prediction_type", type.configName), kind);
		NoiseSchedule schedule = s.noiseSchedule();
		try (NDManager m = NDManager.newBaseManager(); s) {
			m.getEngine().setRandomSeed(11);
			NDArray x = m.randomNormal(new Shape(1, 4, 8, 12));
			NDArray c = m.randomNormal(new Shape(1, 4, 8, 12)).mul(0.5f);
			for (long t : s.setTimesteps(steps)) {
				NDArray eps = epsilonModel(x, c);
				x = s.step(convert(type, eps, x, schedule.alphaCumprod((int) t)), t, x);
			}
			return x.toFloatArray();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "ddim", "dpm++", "pndm" })
	void vAndSampleModelsWalkTheEpsilonTrajectory(String kind) throws Exception {
		for (int steps : new int[] { 1, 2, 7, 20 }) {
			float[] eps = run(kind, PredictionType.EPSILON, steps);
			// float32 rounding of the conversions only: the README's scheduler bound. diffusers' PNDM combines the raw
			// v's of several steps and converts the combination with the current sample: only its first step is the ε
			// step on the converted ε.
			if (!kind.equals("pndm") || steps == 1)
				assertBound(eps, run(kind, PredictionType.V_PREDICTION, steps), 1e-4, kind + " v, " + steps + " steps");
			assertBound(eps, run(kind, PredictionType.SAMPLE, steps), 1e-4, kind + " sample, " + steps + " steps");
		}
	}

	/** diffusers' formulas, term by term (DDIM step, DPM-Solver's convert_model_output). */
	@Test
	void conversionsAreDiffusersFormulas() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray out = m.create(new float[] { 0.5f, -1.25f, 2f }), x = m.create(new float[] { 1f, 0.75f, -0.5f });
			float a = 0.6f, s = 0.8f;
			assertArrayEquals(new float[] { a * 0.5f + s * 1f, a * -1.25f + s * 0.75f, a * 2f + s * -0.5f },
				PredictionType.V_PREDICTION.epsilon(out, x, a, s).toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { a * 1f - s * 0.5f, a * 0.75f - s * -1.25f, a * -0.5f - s * 2f },
				PredictionType.V_PREDICTION.originalSample(out, x, a, s).toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { (1f - a * 0.5f) / s, (0.75f - a * -1.25f) / s, (-0.5f - a * 2f) / s },
				PredictionType.SAMPLE.epsilon(out, x, a, s).toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { (1f - s * 0.5f) / a, (0.75f - s * -1.25f) / a, (-0.5f - s * 2f) / a },
				PredictionType.EPSILON.originalSample(out, x, a, s).toFloatArray(), 1e-6f);
			assertTrue(PredictionType.EPSILON.epsilon(out, x, a, s) == out);
			assertTrue(PredictionType.SAMPLE.originalSample(out, x, a, s) == out);
			// per-row coefficients give the numbers of the scalar form
			NDArray rows = m.create(new float[] { 0.5f, -1.25f, 2f, 1f }, new Shape(2, 2));
			NDArray xs = m.create(new float[] { 1f, 0.75f, -0.5f, 3f }, new Shape(2, 2));
			NDArray alphas = m.create(new float[] { a, 0.3f }, new Shape(2, 1));
			NDArray sigmas = m.create(new float[] { s, 0.9f }, new Shape(2, 1));
			for (PredictionType type : PredictionType.values()) {
				NDArray both = type.epsilon(rows, xs, alphas, sigmas);
				assertArrayEquals(type.epsilon(rows.get(0), xs.get(0), a, s).toFloatArray(), both.get(0).toFloatArray());
				assertArrayEquals(type.epsilon(rows.get(1), xs.get(1), 0.3f, 0.9f).toFloatArray(), both.get(1)
					.toFloatArray());
			}
		}
	}

	@Test
	void configNamesTheType() throws Exception {
		assertEquals(PredictionType.EPSILON, fixtureConfig().prediction());
		assertEquals(PredictionType.V_PREDICTION, fixtureConfigWith("prediction_type", "v_prediction").prediction());
		assertEquals(PredictionType.SAMPLE, fixtureConfigWith("prediction_type", "sample").prediction());
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fixtureConfigWith(
			"prediction_type", "flow"));
		assertTrue(e.getMessage().contains("epsilon, v_prediction, sample"), e.getMessage());
	}
}
