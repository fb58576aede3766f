package org.diffseg.sd.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.HashMap;
import java.util.Map;

import org.diffseg.sd.Reference;
import org.junit.jupiter.api.Test;

/**
 * The banded GroupNorm → SiLU → conv and upsample → conv give what the whole computation gives, to float rounding,
 * for every band height (including bands of 2 rows, heights that do not divide the image, and a single band), and are
 * used only without autograd.
 */
class BandsTest {

	private static final class Layers {
		final Norms.GroupNorm norm;
		final Conv2d conv;

		Layers(NDManager m, int channels, int groups, int out) {
			Map<String, NDArray> p = new HashMap<>();
			p.put("norm.weight", m.randomNormal(new Shape(channels)).mul(0.5f).add(1));
			p.put("norm.bias", m.randomNormal(new Shape(channels)).mul(0.5f));
			p.put("conv.weight", m.randomNormal(new Shape(out, channels, 3, 3)).mul(0.1f));
			p.put("conv.bias", m.randomNormal(new Shape(out)));
			WeightStore store = TestParams.of(m, p);
			norm = new Norms.GroupNorm(store.scope("norm"), groups, channels, 1e-6f);
			conv = new Conv2d(store.scope("conv"), channels, out, 3, 1, 1);
		}
	}

	@Test
	void normSiluConvInBandsIsTheWholeComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			m.getEngine().setRandomSeed(3);
			Layers l = new Layers(m, 32, 8, 16);
			// an offset and a spread per channel, as activations have: the statistics must be the whole image's
			NDArray x = m.randomNormal(new Shape(2, 32, 13, 10)).mul(3).add(m.randomNormal(new Shape(1, 32, 1, 1)).mul(5));
			float[] before = x.toFloatArray();
			NDArray whole = l.conv.forward(Activations.silu(l.norm.forward(x)));
			for (int rows : new int[] { 2, 3, 5, 12, 13, 40 }) {
				NDArray banded = Bands.normSiluConv(l.norm, l.conv, x, rows);
				double err = Reference.relativeError(banded, whole);
				assertTrue(err <= 1e-5, rows + " rows a band: relative error " + err);
			}
			assertArrayEquals(before, x.toFloatArray(), "the input is not modified");
		}
	}

	@Test
	void upsampleConvInBandsIsTheWholeComputation() {
		try (NDManager m = NDManager.newBaseManager()) {
			m.getEngine().setRandomSeed(5);
			Layers l = new Layers(m, 16, 4, 16);
			NDArray x = m.randomNormal(new Shape(2, 16, 7, 5));
			NDArray whole = l.conv.forward(x.getNDArrayInternal().interpolation(new long[] { 14, 10 }, 0, false));
			for (int rows : new int[] { 2, 3, 4, 6, 14, 30 }) {
				double err = Reference.relativeError(Bands.upsampleConv(l.conv, x, rows), whole);
				assertTrue(err <= 1e-5, rows + " output rows a band: relative error " + err);
			}
		}
	}

	@Test
	void onlyLargeInputsWithoutAutogradAreBanded() {
		try (NDManager m = NDManager.newBaseManager()) {
			Layers l = new Layers(m, 32, 8, 32);
			NDArray small = m.zeros(new Shape(1, 32, 64, 64));
			NDArray large = m.zeros(new Shape(1, 32, 512, 512)); // 32 MiB
			assertFalse(Bands.worthIt(small, l.conv));
			assertTrue(Bands.worthIt(large, l.conv));
			assertTrue(Bands.worthIt(m.zeros(new Shape(1, 32, 256, 256)), 4), "upsampled to 32 MiB");
			try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
				assertFalse(Bands.worthIt(large, l.conv), "under autograd the whole graph is recorded as usual");
			}
		}
	}

	@Test
	void rowsPerBandKeepEachBandNearItsBudget() {
		// 256 channels x 512 columns x 4 bytes = 512 KiB a row: 8 rows make 4 MiB
		assertEquals(8, Bands.rowsFor(new Shape(1, 256, 512, 512), 4));
		assertEquals(2, Bands.rowsFor(new Shape(1, 4096, 512, 512), 4), "at least two rows");
		assertEquals(6, Bands.rowsFor(new Shape(1, 3, 6, 8), 4), "never more rows than the image has");
	}
}
