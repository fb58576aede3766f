package org.diffseg.img;

import java.util.List;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

/**
 * Engine results as ImageJ images: label images, float maps, RGBA. Planes are row-major float or int arrays (index
 * y·W + x), as {@link ImageTensors#planes} returns them. Each result takes the calibration of the input image (pass
 * {@code null} for none); the arrays given are not kept, so callers may reuse them.
 */
public final class ResultImages {

	/** Side of the checkerboard squares behind transparent pixels, in pixels. */
	public static final int CHECKER_SIZE = 16;

	private static final int CHECKER_LIGHT = 204, CHECKER_DARK = 153;

	private ResultImages() {}

	/**
	 * A 16-bit label image (0 = background) with a {@link GlasbeyLut}. Labels 1..255 get distinct colours; the display
	 * range is 0..255 so each label maps to its own table entry.
	 */
	public static ImagePlus labelImage(String title, int[] labels, int width, int height, Calibration calibration) {
		checkLength(labels.length, width, height, "labels");
		short[] pixels = new short[labels.length];
		for (int i = 0; i < labels.length; i++) {
			if (labels[i] < 0 || labels[i] > 65535)
				throw new IllegalArgumentException("Label " + labels[i] + " at pixel " + i +
					" does not fit a 16-bit label image (0..65535).");
			pixels[i] = (short) labels[i];
		}
		ShortProcessor ip = new ShortProcessor(width, height, pixels, null);
		ip.setLut(GlasbeyLut.lut());
		ImagePlus imp = new ImagePlus(title, ip);
		imp.setDisplayRange(0, 255);
		return calibrated(imp, calibration);
	}

	/** Float maps (e.g. alpha maps, similarity scores) as a 32-bit stack, one labelled slice per map. */
	public static ImagePlus floatMaps(String title, List<float[]> maps, List<String> labels, int width, int height,
		Calibration calibration)
	{
		if (maps.isEmpty()) throw new IllegalArgumentException("No maps to show.");
		if (labels.size() != maps.size())
			throw new IllegalArgumentException(maps.size() + " maps but " + labels.size() + " slice labels.");
		ImageStack stack = new ImageStack(width, height);
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (int k = 0; k < maps.size(); k++) {
			float[] map = maps.get(k);
			checkLength(map.length, width, height, "map '" + labels.get(k) + "'");
			for (float v : map)
				if (Float.isFinite(v)) {
					min = Math.min(min, v);
					max = Math.max(max, v);
				}
			stack.addSlice(labels.get(k), new FloatProcessor(width, height, map.clone()));
		}
		ImagePlus imp = new ImagePlus(title, stack);
		if (min <= max) imp.setDisplayRange(min, max);
		return calibrated(imp, calibration);
	}

	/**
	 * RGBA as an 8-bit composite with four channels R, G, B, alpha (red, green, blue and grey lookup tables; the
	 * alpha channel is hidden in the composite view). Values in [0, 1], clamped; 8-bit = round(255·v).
	 *
	 * @param rgb three planes
	 */
	public static ImagePlus rgbaComposite(String title, float[][] rgb, float[] alpha, int width, int height,
		Calibration calibration)
	{
		checkRgba(rgb, alpha, width, height);
		ImageStack stack = new ImageStack(width, height);
		String[] names = { "R", "G", "B", "alpha" };
		for (int c = 0; c < 4; c++) {
			float[] plane = c < 3 ? rgb[c] : alpha;
			byte[] pixels = new byte[plane.length];
			for (int i = 0; i < plane.length; i++)
				pixels[i] = (byte) to8Bit(plane[i]);
			stack.addSlice(names[c], pixels);
		}
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(4, 1, 1);
		CompositeImage composite = new CompositeImage(imp, IJ.COMPOSITE);
		composite.setLuts(new LUT[] { LUT.createLutFromColor(java.awt.Color.RED),
			LUT.createLutFromColor(java.awt.Color.GREEN), LUT.createLutFromColor(java.awt.Color.BLUE),
			LUT.createLutFromColor(java.awt.Color.WHITE) });
		composite.setActiveChannels("1110");
		return calibrated(composite, calibration);
	}

	/**
	 * RGBA flattened to RGB over a light/dark grey checkerboard ({@link #CHECKER_SIZE} px squares), the usual way to
	 * show transparency: α·rgb + (1 − α)·checker.
	 */
	public static ImagePlus rgbaOnCheckerboard(String title, float[][] rgb, float[] alpha, int width, int height,
		Calibration calibration)
	{
		checkRgba(rgb, alpha, width, height);
		int[] pixels = new int[width * height];
		for (int y = 0; y < height; y++)
			for (int x = 0; x < width; x++) {
				int i = y * width + x;
				float a = clamp(alpha[i], "alpha");
				float checker = ((x / CHECKER_SIZE + y / CHECKER_SIZE) % 2 == 0 ? CHECKER_LIGHT : CHECKER_DARK) / 255f;
				int r = to8Bit(a * clamp(rgb[0][i], "R") + (1 - a) * checker);
				int g = to8Bit(a * clamp(rgb[1][i], "G") + (1 - a) * checker);
				int b = to8Bit(a * clamp(rgb[2][i], "B") + (1 - a) * checker);
				pixels[i] = 0xff000000 | r << 16 | g << 8 | b;
			}
		return calibrated(new ImagePlus(title, new ColorProcessor(width, height, pixels)), calibration);
	}

	private static ImagePlus calibrated(ImagePlus imp, Calibration calibration) {
		if (calibration != null) imp.setCalibration(calibration.copy());
		return imp;
	}

	private static int to8Bit(float v) {
		return Math.round(255 * clamp(v, "value"));
	}

	private static float clamp(float v, String what) {
		if (Float.isNaN(v)) throw new IllegalArgumentException("The result has a NaN " + what + " value.");
		return Math.min(1, Math.max(0, v));
	}

	private static void checkRgba(float[][] rgb, float[] alpha, int width, int height) {
		if (rgb.length != 3) throw new IllegalArgumentException("RGBA needs 3 colour planes, got " + rgb.length + ".");
		for (int c = 0; c < 3; c++)
			checkLength(rgb[c].length, width, height, "colour plane " + c);
		checkLength(alpha.length, width, height, "alpha");
	}

	private static void checkLength(int length, int width, int height, String what) {
		if (width < 1 || height < 1 || (long) width * height != length)
			throw new IllegalArgumentException("Result " + what + ": " + length + " values for a " + width + "×" + height +
				" image (expected " + (long) width * height + ").");
	}
}
