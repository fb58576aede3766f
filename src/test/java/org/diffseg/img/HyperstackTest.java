package org.diffseg.img;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.diffseg.img.Hyperstack.Axis;
import org.junit.jupiter.api.Test;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.VirtualStack;
import ij.measure.Calibration;
import ij.process.ImageProcessor;
import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.img.cell.CellImgFactory;
import net.imglib2.type.numeric.ARGBType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.integer.UnsignedShortType;
import net.imglib2.type.numeric.real.FloatType;

class HyperstackTest {

	/** A hyperstack whose pixel (x, y) of plane (c, z, t) holds a value that encodes all five coordinates. */
	private static ImagePlus hyperstack(String type, int w, int h, int c, int z, int t) {
		ImagePlus imp = IJ.createHyperStack("test", w, h, c, z, t, switch (type) {
			case "8-bit" -> 8;
			case "16-bit" -> 16;
			case "32-bit" -> 32;
			default -> 24;
		});
		for (int i = 1; i <= imp.getStackSize(); i++) {
			ImageProcessor ip = imp.getStack().getProcessor(i);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					if (type.equals("32-bit")) ip.setf(x, y, code(x, y, i - 1, type));
					else ip.set(x, y, code(x, y, i - 1, type));
		}
		return imp;
	}

	private static int code(int x, int y, int plane, String type) {
		int v = x + 3 * y + 17 * plane;
		return type.equals("8-bit") ? v % 256 : type.equals("RGB") ? 0xff000000 | v << 8 | (v & 0xff) : v;
	}

	private static double valueAt(RandomAccessibleInterval<?> img, long... pos) {
		RandomAccess<?> ra = img.randomAccess();
		ra.setPosition(pos);
		Object p = ra.get();
		return p instanceof ARGBType argb ? argb.get() : ((net.imglib2.type.numeric.RealType<?>) p).getRealDouble();
	}

	@Test
	void wrapsEveryPixelTypeWithItsImgLib2Type() {
		assertInstanceOf(UnsignedByteType.class, Hyperstack.wrap(hyperstack("8-bit", 7, 13, 1, 1, 1)).type());
		assertInstanceOf(UnsignedShortType.class, Hyperstack.wrap(hyperstack("16-bit", 7, 13, 1, 1, 1)).type());
		assertInstanceOf(FloatType.class, Hyperstack.wrap(hyperstack("32-bit", 7, 13, 1, 1, 1)).type());
		assertInstanceOf(ARGBType.class, Hyperstack.wrap(hyperstack("RGB", 7, 13, 1, 1, 1)).type());
	}

	@Test
	void pixelValuesAndGeometryMatchForOddSizesAndHyperstacks() {
		int[][] sizes = { { 1, 9 }, { 9, 1 }, { 7, 13 }, { 1, 1 } };
		int[][] czts = { { 1, 1, 1 }, { 1, 5, 1 }, { 3, 1, 1 }, { 2, 3, 4 }, { 1, 1, 3 }, { 2, 1, 3 } };
		for (String type : List.of("8-bit", "16-bit", "32-bit", "RGB"))
			for (int[] wh : sizes)
				for (int[] czt : czts) {
					ImagePlus imp = hyperstack(type, wh[0], wh[1], czt[0], czt[1], czt[2]);
					Hyperstack<?> w = Hyperstack.wrap(imp);
					String what = type + " " + wh[0] + "x" + wh[1] + " czt=" + czt[0] + czt[1] + czt[2];
					assertEquals(wh[0], w.width(), what);
					assertEquals(wh[1], w.height(), what);
					assertEquals(czt[0], w.size(Axis.CHANNEL), what);
					assertEquals(czt[1], w.size(Axis.Z), what);
					assertEquals(czt[2], w.size(Axis.TIME), what);
					int extra = (czt[0] > 1 ? 1 : 0) + (czt[1] > 1 ? 1 : 0) + (czt[2] > 1 ? 1 : 0);
					assertEquals(2 + extra, w.img().numDimensions(), what);
					for (int t = 0; t < czt[2]; t++)
						for (int z = 0; z < czt[1]; z++) {
							RandomAccessibleInterval<?> xyc = w.xyc(z, t);
							assertEquals(czt[0], xyc.dimension(2), what);
							for (int c = 0; c < czt[0]; c++) {
								int plane = imp.getStackIndex(c + 1, z + 1, t + 1) - 1;
								int x = wh[0] - 1, y = wh[1] - 1;
								double expected = type.equals("RGB") ? code(x, y, plane, type) :
									imp.getStack().getProcessor(plane + 1).getf(x, y);
								assertEquals(expected, valueAt(xyc, x, y, c), what + " c" + c + " z" + z + " t" + t);
								assertEquals(code(x, y, plane, type) & (type.equals("8-bit") ? 0xff : -1),
									(int) valueAt(xyc, x, y, c) & (type.equals("8-bit") ? 0xff : -1), what);
							}
						}
				}
	}

	@Test
	void writingThroughTheImgChangesTheImagePlus() {
		ImagePlus imp = hyperstack("16-bit", 7, 13, 2, 3, 2);
		Hyperstack<UnsignedShortType> w = Hyperstack.wrapUnsignedShort(imp);
		RandomAccess<UnsignedShortType> ra = w.xyc(2, 1).randomAccess();
		ra.setPosition(new long[] { 6, 12, 1 });
		ra.get().set(54321);
		assertEquals(54321, imp.getStack().getProcessor(imp.getStackIndex(2, 3, 2)).get(6, 12));

		ImagePlus single = hyperstack("32-bit", 1, 9, 1, 1, 1);
		Hyperstack<FloatType> f = Hyperstack.wrapFloat(single);
		RandomAccess<FloatType> fa = f.img().randomAccess();
		fa.setPosition(new long[] { 0, 8 });
		fa.get().set(-2.5f);
		assertEquals(-2.5f, single.getProcessor().getf(0, 8));

		ImagePlus rgb = hyperstack("RGB", 7, 13, 1, 1, 1);
		RandomAccess<ARGBType> ca = Hyperstack.wrapArgb(rgb).img().randomAccess();
		ca.setPosition(new long[] { 3, 4 });
		ca.get().set(ARGBType.rgba(10, 20, 30, 255));
		assertArrayEquals(new int[] { 10, 20, 30 }, rgb.getProcessor().getPixel(3, 4, null));
	}

	@Test
	void writingToTheImagePlusIsSeenThroughTheImg() {
		ImagePlus imp = hyperstack("8-bit", 7, 13, 1, 4, 1);
		Hyperstack<UnsignedByteType> w = Hyperstack.wrapUnsignedByte(imp);
		imp.getStack().getProcessor(3).set(5, 6, 201);
		assertEquals(201, valueAt(w.img(), 5, 6, 2));
	}

	@Test
	void roundTripSharesThePixelArraysAndKeepsCalibrationAndDimensions() {
		for (String type : List.of("8-bit", "16-bit", "32-bit", "RGB")) {
			ImagePlus imp = hyperstack(type, 7, 13, 2, 3, 2);
			Calibration cal = imp.getCalibration();
			cal.pixelWidth = 0.25;
			cal.pixelHeight = 0.5;
			cal.pixelDepth = 2;
			cal.setUnit("µm");
			ImagePlus back = Hyperstack.wrap(imp).toImagePlus();
			assertEquals(imp.getBitDepth(), back.getBitDepth(), type);
			assertArrayEquals(imp.getDimensions(), back.getDimensions(), type);
			for (int i = 1; i <= imp.getStackSize(); i++)
				assertSame(imp.getStack().getPixels(i), back.getStack().getPixels(i), type + " plane " + i);
			assertEquals(0.25, back.getCalibration().pixelWidth);
			assertEquals(0.5, back.getCalibration().pixelHeight);
			assertEquals(2, back.getCalibration().pixelDepth);
			assertEquals("µm", back.getCalibration().getUnit());
			assertEquals(type.equals("RGB") ? false : true, back instanceof CompositeImage, type);
			assertTrue(back.isHyperStack(), type);
		}
		ImagePlus single = hyperstack("8-bit", 1, 9, 1, 1, 1);
		ImagePlus back = Hyperstack.wrap(single).toImagePlus();
		assertSame(single.getProcessor().getPixels(), back.getProcessor().getPixels());
	}

	@Test
	void imgLib2ImagesBecomeImagePlusWithoutCopyOrByCopyWhenNotPlanar() {
		float[] data = new float[7 * 13];
		Hyperstack<FloatType> array = new Hyperstack<>(ArrayImgs.floats(data, 7, 13), List.of(Axis.X, Axis.Y), null,
			"array");
		ImagePlus imp = array.toImagePlus();
		assertSame(data, imp.getProcessor().getPixels());

		var cells = new CellImgFactory<>(new UnsignedShortType(), 4).create(7, 13, 3);
		RandomAccess<UnsignedShortType> ra = cells.randomAccess();
		ra.setPosition(new long[] { 6, 12, 2 });
		ra.get().set(777);
		ImagePlus copy = new Hyperstack<>(cells, List.of(Axis.X, Axis.Y, Axis.Z), null, "cells").toImagePlus();
		assertEquals(3, copy.getNSlices());
		assertEquals(777, copy.getStack().getProcessor(3).get(6, 12));
	}

	@Test
	void refusesVirtualStacksWrongTypesAndBadAxes() {
		ImagePlus imp = new ImagePlus("virtual", new VirtualStack(7, 13, 2));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hyperstack.wrap(imp));
		assertTrue(e.getMessage().contains("virtual stack"), e.getMessage());

		ImagePlus rgb = hyperstack("RGB", 7, 13, 1, 1, 1);
		e = assertThrows(IllegalArgumentException.class, () -> Hyperstack.wrapFloat(rgb));
		assertTrue(e.getMessage().contains("RGB Color") && e.getMessage().contains("32-bit"), e.getMessage());

		assertThrows(IllegalArgumentException.class, () -> new Hyperstack<>(ArrayImgs.floats(3, 4, 5),
			List.of(Axis.X, Axis.Y), null, "x"));
		assertThrows(IllegalArgumentException.class, () -> new Hyperstack<>(ArrayImgs.floats(3, 4, 5, 6),
			List.of(Axis.X, Axis.Y, Axis.Z, Axis.CHANNEL), null, "x"));
		assertThrows(IndexOutOfBoundsException.class, () -> Hyperstack.wrap(hyperstack("8-bit", 7, 13, 1, 3, 1))
			.xyc(3, 0));
	}
}
