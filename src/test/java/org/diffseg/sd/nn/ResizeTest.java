package org.diffseg.sd.nn;

import org.diffseg.ovdiff.AttributionMapTest;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ResizeTest {

	@Test
	void matchesTorchFormulasIncludingSingletonAxes() {
		Random r = new Random(1);
		int[][] cases = { { 3, 5, 8, 7 }, { 8, 8, 64, 64 }, { 1, 1, 4, 4 }, { 3, 1, 8, 1 }, { 2, 2, 5, 3 }, { 9, 6, 4, 4 },
			{ 512, 16, 64, 2 } };
		try (NDManager m = NDManager.newBaseManager()) {
			for (int[] c : cases) {
				double[] in = new double[c[0] * c[1]];
				float[] f = new float[in.length];
				for (int i = 0; i < in.length; i++) f[i] = (float) (in[i] = r.nextDouble());
				NDArray a = m.create(f, new Shape(1, 1, c[0], c[1]));
				String what = Arrays.toString(c);
				float[] cubic = Resize.resize(a, c[2], c[3], Resize.Mode.BICUBIC).toFloatArray();
				float[] lin = Resize.resize(a, c[2], c[3], Resize.Mode.BILINEAR).toFloatArray();
				AttributionMapTest.assertMax(TorchResize.bicubic(in, c[0], c[1], c[2], c[3]), cubic, 1e-5, "bicubic " + what);
				AttributionMapTest.assertMax(TorchResize.bilinear(in, c[0], c[1], c[2], c[3]), lin, 1e-5, "bilinear " + what);
			}
		}
	}

	/** Values worked out by hand from torch's kernels. */
	@Test
	void knownValues() {
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray a = m.create(new float[] { 1, 2 }, new Shape(1, 2));
			// bicubic 2 -> 3: x=0 samples -1/6: taps clamp to 1,1,1,2, weight of the 2 is cubic(7/6) = -0.0868
			assertArrayEquals(new float[] { 0.913194f, 1.5f, 2.086806f },
				Resize.resize(a, 1, 3, Resize.Mode.BICUBIC).toFloatArray(), 1e-5f);
			assertArrayEquals(new float[] { 1f, 1.5f, 2f }, Resize.resize(a, 1, 3, Resize.Mode.BILINEAR).toFloatArray(), 1e-6f);
			assertArrayEquals(new float[] { 1, 1, 2, 2 }, Resize.resize(a, 1, 4, Resize.Mode.NEAREST).toFloatArray());
			// antialiased (PIL) bicubic 4 -> 2 averages with a wide kernel; a constant stays constant
			NDArray c = m.full(new Shape(3, 6, 4), 0.25f);
			NDArray small = Resize.resize(c, 2, 2, Resize.Mode.BICUBIC_ANTIALIAS);
			assertArrayEquals(new long[] { 3, 2, 2 }, small.getShape().getShape());
			for (float v : small.toFloatArray()) assertEquals(0.25f, v, 1e-6f);
			// bilinear 8 -> 2 (no antialiasing) samples between inputs 1,2 and 5,6
			NDArray ramp = m.create(new float[] { 0, 1, 2, 3, 4, 5, 6, 7 }, new Shape(1, 8));
			assertArrayEquals(new float[] { 1.5f, 5.5f }, Resize.resize(ramp, 1, 2, Resize.Mode.BILINEAR).toFloatArray(), 1e-6f);
		}
	}
}
