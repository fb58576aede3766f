package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

class SgdTest {
	@Test
	void stepSubtractsLearningRateTimesGradientThenZeroesIt() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray p = manager.create(new float[] { 1, 2, 3 });
			p.setRequiresGradient(true);
			NDArray q = manager.create(new float[] { -1 });
			q.setRequiresGradient(true);
			NDList params = new NDList(p, q);
			try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
				// d/dp Σ p² = 2p, d/dq 5q = 5; called inside the collector as in the optimisation loop.
				collector.backward(p.square().sum().add(q.mul(5).sum()));
				Sgd.step(params, 0.1f);
			}
			assertArrayEquals(new float[] { 0.8f, 1.6f, 2.4f }, p.toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { -1.5f }, q.toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { 0, 0, 0 }, p.getGradient().toFloatArray());
			assertArrayEquals(new float[] { 0 }, q.getGradient().toFloatArray());
			// Gradients do not accumulate across steps.
			try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
				collector.backward(p.sum());
			}
			Sgd.step(params, 1f);
			assertArrayEquals(new float[] { -0.2f, 0.6f, 1.4f }, p.toFloatArray(), 1e-6f);
		}
	}

	@Test
	void nonFiniteGradientsStopTheStepBeforeAnyParameterChanges() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray q = manager.create(new float[] { 2, 3 });
			q.setName("q");
			q.setRequiresGradient(true);
			NDArray p = manager.create(new float[] { 0, 1 });
			p.setName("p");
			p.setRequiresGradient(true);
			try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
				collector.backward(q.sum().add(p.log().sum())); // d log(p) / dp = 1/0 = inf at p = 0
			}
			org.diffseg.sd.NonFiniteException e = assertThrows(org.diffseg.sd.NonFiniteException.class,
				() -> Sgd.step(new NDList(q, p), 0.5f));
			assertTrue(e.getMessage().contains("gradient of the parameter 'p'"), e.getMessage());
			assertArrayEquals(new float[] { 2, 3 }, q.toFloatArray());
			assertArrayEquals(new float[] { 0, 1 }, p.toFloatArray());
		}
	}

	@Test
	void refusesParametersWithoutGradient() {
		try (NDManager manager = NDManager.newBaseManager()) {
			NDArray p = manager.create(new float[] { 1 });
			p.setName("w");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sgd.step(new NDList(p), 1f));
			assertTrue(e.getMessage().contains("'w'"), e.getMessage());
		}
	}
}
