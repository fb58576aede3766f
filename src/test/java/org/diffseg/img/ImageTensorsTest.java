package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import net.imglib2.img.array.ArrayImgs;

class ImageTensorsTest {

	@Test
	void rgbIsExactlyDividedBy255InNchwOrder() {
		try (NDManager m = NDManager.newBaseManager()) {
			ColorProcessor cp = new ColorProcessor(7, 13);
			for (int y = 0; y < 13; y++)
				for (int x = 0; x < 7; x++)
					cp.set(x, y, (x * 30) << 16 | (y * 19) << 8 | (x + y));
			Hyperstack<?> img = Hyperstack.wrap(new ImagePlus("rgb", cp));
			NDArray t = ImageTensors.rgbInput(m, img, null, 0, 0, Normalisation.DEFAULT);
			assertEquals(new Shape(1, 3, 13, 7), t.getShape());
			assertEquals(DataType.FLOAT32, t.getDataType());
			float[][] planes = ImageTensors.planes(t);
			for (int y = 0; y < 13; y++)
				for (int x = 0; x < 7; x++) {
					int i = y * 7 + x;
					assertEquals(x * 30 / 255f, planes[0][i]);
					assertEquals(y * 19 / 255f, planes[1][i]);
					assertEquals((x + y) / 255f, planes[2][i]);
				}
			// chosen channels of an RGB image: blue as grey
			float[][] blue = ImageTensors.planes(ImageTensors.rgbInput(m, img, new int[] { 2 }, 0, 0, null));
			assertArrayEquals(planes[2], blue[0]);
			assertArrayEquals(planes[2], blue[1]);
			assertArrayEquals(planes[2], blue[2]);
			// the low-level RGB path agrees
			assertArrayEquals(t.toFloatArray(), ImageTensors.rgb(m, Hyperstack.wrapArgb(new ImagePlus("rgb", cp)).img())
				.toFloatArray());
		}
	}

	@Test
	void greyIsReplicatedToThreeChannelsForEveryGreyType() {
		try (NDManager m = NDManager.newBaseManager()) {
			for (int bits : new int[] { 8, 16, 32 })
				for (int[] wh : new int[][] { { 1, 11 }, { 11, 1 }, { 7, 13 } }) {
					ImagePlus imp = IJ.createImage("g", bits + "-bit black", wh[0], wh[1], 1);
					for (int i = 0; i < wh[0] * wh[1]; i++)
						imp.getProcessor().setf(i % wh[0], i / wh[0], i * 3 % 250);
					NDArray t = ImageTensors.rgbInput(m, Hyperstack.wrap(imp), null, 0, 0, Normalisation.DEFAULT);
					assertEquals(new Shape(1, 3, wh[1], wh[0]), t.getShape(), bits + "-bit");
					float[][] p = ImageTensors.planes(t);
					assertArrayEquals(p[0], p[1]);
					assertArrayEquals(p[0], p[2]);
					float max = 0;
					for (float v : p[0])
						max = Math.max(max, v);
					if (bits == 8) assertEquals(imp.getProcessor().getf(wh[0] - 1, wh[1] - 1) / 255f, p[0][p[0].length - 1]);
					else assertEquals(1, max, 1e-6, bits + "-bit is stretched to [0, 1]");
				}
		}
	}

	@Test
	void sixteenBitUsesPercentilesAndIgnoresAHotPixel() {
		try (NDManager m = NDManager.newBaseManager()) {
			ShortProcessor sp = new ShortProcessor(50, 40);
			for (int i = 0; i < 2000; i++)
				sp.set(i % 50, i / 50, 1000 + i % 200);
			sp.set(3, 3, 65535);
			float[] p = ImageTensors.planes(ImageTensors.grey(m, Hyperstack.wrapUnsignedShort(new ImagePlus("s", sp))
				.img(), Normalisation.DEFAULT))[0];
			assertEquals(1, p[3 * 50 + 3]);
			// without percentiles the hot pixel would squash 1000..1199 into [0, 0.003]
			assertTrue(p[199] > 0.9, "value 1199 maps near 1, got " + p[199]);
			assertEquals(0, p[0], 0.01);
		}
	}

	@Test
	void constantImagesGiveZerosAndNaNIsRefused() {
		try (NDManager m = NDManager.newBaseManager()) {
			FloatProcessor fp = new FloatProcessor(7, 13);
			fp.set(42);
			float[] p = ImageTensors.grey(m, Hyperstack.wrapFloat(new ImagePlus("c", fp)).img(), Normalisation.DEFAULT)
				.toFloatArray();
			for (float v : p)
				assertEquals(0, v);
			fp.setf(4, 9, Float.NaN);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageTensors.grey(m,
				Hyperstack.wrapFloat(new ImagePlus("c", fp)).img(), Normalisation.DEFAULT));
			assertTrue(e.getMessage().contains("x=4, y=9") && e.getMessage().contains("NaN"), e.getMessage());
		}
	}

	@Test
	void chosenChannelsOfAHyperstackPlane() {
		try (NDManager m = NDManager.newBaseManager()) {
			// 4 channels, 2 slices, 3 frames; channel c of (z, t) is constant except one pixel, so each normalises to a
			// single 1 at a position that identifies the plane
			ImagePlus imp = IJ.createHyperStack("h", 7, 13, 4, 2, 3, 16);
			for (int c = 0; c < 4; c++)
				for (int z = 0; z < 2; z++)
					for (int t = 0; t < 3; t++)
						imp.getStack().getProcessor(imp.getStackIndex(c + 1, z + 1, t + 1)).set(c, z + 2 * t, 500);
			Hyperstack<?> img = Hyperstack.wrap(imp);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> ImageTensors.rgbInput(m, img, null, 0, 0, Normalisation.DEFAULT));
			assertTrue(e.getMessage().contains("4 channels"), e.getMessage());
			NDArray t = ImageTensors.rgbInput(m, img, new int[] { 3, 0, 2 }, 1, 2, Normalisation.DEFAULT);
			float[][] p = ImageTensors.planes(t);
			int row = 1 + 2 * 2;
			assertEquals(1, p[0][row * 7 + 3]);
			assertEquals(1, p[1][row * 7 + 0]);
			assertEquals(1, p[2][row * 7 + 2]);
			assertEquals(1, sum(p[0]));

			NDArray two = ImageTensors.channels(m, Hyperstack.wrapUnsignedShort(imp).xyc(0, 0), new int[] { 1, 1 }, Normalisation.DEFAULT);
			assertEquals(new Shape(1, 2, 13, 7), two.getShape());
			e = assertThrows(IllegalArgumentException.class,
				() -> ImageTensors.rgbInput(m, img, new int[] { 4 }, 0, 0, Normalisation.DEFAULT));
			assertTrue(e.getMessage().contains("channel 5 does not exist"), e.getMessage());
			assertEquals("channels", ((org.diffseg.run.DiffSegException) e).detail(org.diffseg.run.DiffSegException.SETTING));
			assertThrows(IllegalArgumentException.class,
				() -> ImageTensors.rgbInput(m, img, new int[] { 0, 1 }, 0, 0, Normalisation.DEFAULT));
			assertThrows(IndexOutOfBoundsException.class,
				() -> ImageTensors.rgbInput(m, img, new int[] { 0 }, 2, 0, Normalisation.DEFAULT));
		}
	}

	private static float sum(float[] v) {
		float s = 0;
		for (float x : v)
			s += x;
		return s;
	}

	@Test
	void tensorRoundTripsToPlanesAndBackToAnImage() {
		try (NDManager m = NDManager.newBaseManager()) {
			float[] data = new float[2 * 3 * 5];
			for (int i = 0; i < data.length; i++)
				data[i] = i / 29f;
			NDArray t = m.create(data, new Shape(1, 2, 3, 5));
			float[][] planes = ImageTensors.planes(t);
			assertEquals(2, planes.length);
			assertEquals(15, planes[1].length);
			assertEquals(data[15 + 2 * 5 + 4], planes[1][2 * 5 + 4]);
			// planes -> ImgLib2 -> tensor gives the same numbers back (min-max over [0,1] data spanning 0..1 is identity)
			float[] plane = planes[1].clone();
			float[] stretched = ImageTensors.grey(m, ArrayImgs.floats(plane, 5, 3), Normalisation.MIN_MAX)
				.get(0, 0).toFloatArray();
			float lo = planes[1][0], hi = planes[1][14];
			for (int i = 0; i < 15; i++)
				assertEquals((planes[1][i] - lo) / (hi - lo), stretched[i], 1e-6);
			assertArrayEquals(planes[1], plane, "the input array is not modified");
			assertThrows(IllegalArgumentException.class, () -> ImageTensors.planes(m.zeros(new Shape(2, 1, 3, 5))));
			assertArrayEquals(planes[0], ImageTensors.planes(t.get(0))[0]);
		}
	}
}
