package org.diffseg.img;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.RoiEncoder;
import ij.plugin.filter.ThresholdToSelection;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Results as ImageJ ROIs: masks and label values to (composite) polygon selections, and ROI-set .zip files. */
public final class MaskRois {
	private MaskRois() {}

	/** The selection of the non-zero pixels of a mask (row-major, width x height), named; null when empty. */
	public static Roi fromMask(byte[] mask, int width, int height, String name) {
		ByteProcessor bp = new ByteProcessor(width, height, mask.clone());
		bp.setThreshold(1, 255, ImageProcessor.NO_LUT_UPDATE);
		Roi roi = ThresholdToSelection.run(new ImagePlus("mask", bp));
		if (roi != null) roi.setName(name);
		return roi;
	}

	/** The selection of the pixels with a given label; null when absent. */
	public static Roi fromLabels(int[] labels, int width, int height, int label, String name) {
		byte[] mask = new byte[labels.length];
		boolean any = false;
		for (int i = 0; i < labels.length; i++)
			if (labels[i] == label) {
				mask[i] = (byte) 255;
				any = true;
			}
		return any ? fromMask(mask, width, height, name) : null;
	}

	/** Writes an ImageJ ROI set (.zip readable by the ROI Manager), atomically. Names are made unique. */
	public static void writeZip(Path zip, List<Roi> rois) throws IOException {
		Path tmp = zip.resolveSibling(zip.getFileName() + ".part");
		Set<String> used = new HashSet<>();
		try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream out = new ZipOutputStream(os)) {
			int i = 0;
			for (Roi roi : rois) {
				i++;
				String base = roi.getName() == null ? "roi-" + i : roi.getName().replaceAll("[/\\\\:*?\"<>|]", "_");
				String name = base;
				for (int k = 2; !used.add(name); k++) name = base + "-" + k;
				out.putNextEntry(new ZipEntry(name + ".roi"));
				out.write(RoiEncoder.saveAsByteArray(roi));
				out.closeEntry();
			}
		}
		Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}
}
