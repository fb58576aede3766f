package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.HashMap;
import java.util.Map;

import org.diffseg.sd.nn.Bands;
import org.diffseg.sd.nn.TestParams;
import org.diffseg.sd.nn.WeightStore;
import org.junit.jupiter.api.Test;

/**
 * A VAE ResNet block and upsampler at a size where inference takes the banded path ({@link Bands}) give what they give
 * computed whole (under a gradient collector, where nothing is banded or done in place), to float rounding.
 */
class BandedBlocksTest {

	private static void put(Map<String, NDArray> p, NDManager m, String name, Shape shape, float scale, float offset) {
		p.put(name, m.randomNormal(shape).mul(scale).add(offset));
	}

	/** The whole computation: inside a collector no input requires a gradient, so only the banding is switched off. */
	private static NDArray whole(java.util.function.Supplier<NDArray> f) {
		try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
			return f.get();
		}
	}

	@Test
	void resnetBlockWithShortcutAndUpsamplerMatchTheWholeComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			m.getEngine().setRandomSeed(7);
			int in = 32, out = 16;
			Map<String, NDArray> p = new HashMap<>();
			put(p, m, "r.norm1.weight", new Shape(in), 0.3f, 1);
			put(p, m, "r.norm1.bias", new Shape(in), 0.3f, 0);
			put(p, m, "r.conv1.weight", new Shape(out, in, 3, 3), 0.1f, 0);
			put(p, m, "r.conv1.bias", new Shape(out), 0.1f, 0);
			put(p, m, "r.norm2.weight", new Shape(out), 0.3f, 1);
			put(p, m, "r.norm2.bias", new Shape(out), 0.3f, 0);
			put(p, m, "r.conv2.weight", new Shape(out, out, 3, 3), 0.1f, 0);
			put(p, m, "r.conv2.bias", new Shape(out), 0.1f, 0);
			put(p, m, "r.conv_shortcut.weight", new Shape(out, in, 1, 1), 0.3f, 0);
			put(p, m, "r.conv_shortcut.bias", new Shape(out), 0.1f, 0);
			put(p, m, "u.conv.weight", new Shape(in, in, 3, 3), 0.1f, 0);
			put(p, m, "u.conv.bias", new Shape(in), 0.1f, 0);
			WeightStore store = TestParams.of(m, p);
			ResnetBlock2D block = new ResnetBlock2D(store.scope("r"), in, out, 0, 8, 1e-6f);
			Sampling2D.Upsample up = new Sampling2D.Upsample(store.scope("u"), in);

			NDArray x = m.randomNormal(new Shape(1, in, 512, 512)).add(m.randomNormal(new Shape(1, in, 1, 1)));
			assertTrue(Bands.worthIt(x, 1), "32 MiB: banded in inference");
			double err = Reference.relativeError(block.forward(x, null), whole(() -> block.forward(x, null)));
			assertTrue(err <= 1e-5, "ResNet block: relative error " + err);

			NDArray low = m.randomNormal(new Shape(1, in, 256, 256));
			assertTrue(Bands.worthIt(low, 4), "upsampled to 32 MiB: banded in inference");
			err = Reference.relativeError(up.forward(low, null), whole(() -> up.forward(low, null)));
			assertTrue(err <= 1e-5, "upsampler: relative error " + err);
		}
	}
}
