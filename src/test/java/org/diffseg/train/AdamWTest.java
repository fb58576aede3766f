package org.diffseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class AdamWTest {

	/** A training run takes thousands of steps: a step must leave nothing behind in the long-lived managers. */
	@Test
	void aStepLeavesNoArraysBehind() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray w = m.create(new float[] { 1, -2, 3, -4 }, new ai.djl.ndarray.types.Shape(2, 2));
			w.setRequiresGradient(true);
			Map<String, NDArray> params = new LinkedHashMap<>();
			params.put("w", w);
			try (AdamW opt = new AdamW(m, params)) {
				int[] counts = new int[4];
				for (int i = 0; i < counts.length; i++) {
					try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
						NDArray x = s.create(new float[] { 0.5f, 0.25f });
						gc.backward(x.expandDims(0).matMul(w).square().sum()); // x first: the results stay in s
					}
					opt.step(0.1f, 0.01f, 1f);
					counts[i] = opt.managedArrays() + m.getManagedArrays().size();
				}
				for (int i = 1; i < counts.length; i++) assertEquals(counts[0], counts[i], "arrays held after step " + i);
			}
		}
	}
}
