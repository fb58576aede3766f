package org.diffseg.sd.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

/**
 * A resize inside an autograd graph keeps its gradient after a garbage collection. Its interpolation matrices come from
 * Java arrays; an array DJL makes from Java data borrows a direct buffer, which the collector frees once the array is
 * closed, while autograd may still hold the matrix for the backward pass (the same hazard as DJL's mul(Number)).
 */
class ResizeGradientTest {
	private static float[] gradient(NDManager m, boolean churn) {
		m.getEngine().setRandomSeed(2);
		NDArray x = m.randomNormal(new Shape(1, 5, 7));
		NDArray g = m.randomNormal(new Shape(1, 9, 13));
		x.setRequiresGradient(true);
		try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
			NDArray y = Resize.resize(x, 9, 13, Resize.Mode.BICUBIC);
			NDArray objective = y.mul(g).sum();
			if (churn) DirectMemory.churn();
			gc.backward(objective);
		}
		return x.getGradient().toFloatArray();
	}

	@Test
	void gradientSurvivesAGarbageCollection() {
		try (NDManager m = NDManager.newBaseManager()) {
			assertArrayEquals(gradient(m, false), gradient(m, true), 1e-6f);
		}
	}
}
