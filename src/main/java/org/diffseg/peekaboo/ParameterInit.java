package org.diffseg.peekaboo;

import java.util.SplittableRandom;

/**
 * Deterministic parameter initialisation in the style of PyTorch's defaults, drawn from a seeded
 * {@link SplittableRandom} so that the same seed gives bit-identical parameters on every JVM and platform
 * (StrictMath, no platform intrinsics).
 */
final class ParameterInit {
	private ParameterInit() {
	}

	/** n standard normal values times {@code scale} (Box–Muller), like {@code torch.randn(n) * scale}. */
	static float[] gaussian(SplittableRandom random, int n, double scale) {
		float[] out = new float[n];
		for (int i = 0; i < n; i += 2) {
			// 1 - nextDouble() is in (0, 1], so the logarithm is finite.
			double radius = StrictMath.sqrt(-2 * StrictMath.log(1 - random.nextDouble()));
			double angle = 2 * StrictMath.PI * random.nextDouble();
			out[i] = (float) (radius * StrictMath.cos(angle) * scale);
			if (i + 1 < n)
				out[i + 1] = (float) (radius * StrictMath.sin(angle) * scale);
		}
		return out;
	}

	/** n values uniform in [-bound, bound). */
	static float[] uniform(SplittableRandom random, int n, double bound) {
		float[] out = new float[n];
		for (int i = 0; i < n; i++)
			out[i] = (float) ((2 * random.nextDouble() - 1) * bound);
		return out;
	}

	/**
	 * PyTorch's Conv2d default: Kaiming-uniform weights with a = √5, whose bound gain·√(3 / fan_in) with
	 * gain = √(2 / (1 + a²)) reduces to 1 / √fan_in; the bias uses the same bound.
	 */
	static double convBound(long fanIn) {
		return 1 / Math.sqrt(fanIn);
	}
}
