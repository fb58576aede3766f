package org.diffseg.fiji;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import ij.measure.Calibration;

/**
 * Lets a test macro hand images to its test, as ImageJ's {@code call("class.method", ...)} reaches public static
 * methods: {@code call("org.diffseg.fiji.KeptImages.keep", "name")} keeps the current image (its pixels stay readable
 * after the macro closes it), {@code call("org.diffseg.fiji.KeptImages.describe")} returns the current image's state
 * in one line, to compare before and after a command.
 */
public final class KeptImages {

	private static final Map<String, ImagePlus> KEPT = new ConcurrentHashMap<>();

	private KeptImages() {}

	public static String keep(String name) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) throw new IllegalStateException("no current image to keep as " + name);
		KEPT.put(name, imp);
		return imp.getTitle();
	}

	public static String describe() {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) return "no image";
		Calibration cal = imp.getCalibration();
		Roi roi = imp.getRoi();
		ImageStack stack = imp.getStack();
		int hash = 1;
		for (int i = 1; i <= stack.getSize(); i++) {
			Object pixels = stack.getPixels(i);
			int h = pixels instanceof byte[] b ? Arrays.hashCode(b) : pixels instanceof short[] s ? Arrays.hashCode(s) :
				pixels instanceof float[] f ? Arrays.hashCode(f) : Arrays.hashCode((int[]) pixels);
			hash = 31 * hash + h;
		}
		return imp.getTitle() + " " + imp.getWidth() + "x" + imp.getHeight() + " type " + imp.getType() + " c" +
			imp.getNChannels() + " z" + imp.getNSlices() + " t" + imp.getNFrames() + " position " + imp.getC() + "," +
			imp.getZ() + "," + imp.getT() + " calibration " + cal.pixelWidth + "x" + cal.pixelHeight + "x" +
			cal.pixelDepth + " " + cal.getUnit() + " roi " + (roi == null ? "none" : roi.getBounds()) + " overlay " +
			(imp.getOverlay() == null ? 0 : imp.getOverlay().size()) + " pixels " + hash;
	}

	static ImagePlus get(String name) {
		ImagePlus imp = KEPT.get(name);
		if (imp == null) throw new AssertionError("the macro kept no image as " + name + "; kept: " + KEPT.keySet());
		return imp;
	}

	static void clear() {
		KEPT.clear();
	}
}
