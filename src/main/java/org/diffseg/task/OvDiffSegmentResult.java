package org.diffseg.task;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.measure.Calibration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.diffseg.img.MaskRois;
import org.diffseg.img.ResultImages;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.Segmenter;

/**
 * What {@link OvDiffSegmentTask} found, per plane used, at the input's geometry and calibration, with what explains
 * it and ready-made outputs every front-end shows the same way: the label image, the score maps, the ROIs and the
 * class table.
 *
 * @param image the input and the planes used
 * @param planes per plane used (in {@link SourceImage#planes()} order), the segmentation and what explains it
 * @param bankSettings the settings of the prototypes used
 * @param modelIdentity the Stable Diffusion model's identity
 * @param device the device it ran on
 * @param unusedExtractors feature kinds ("clip", "dino") whose prototypes the bank holds for every class asked for but
 * that were not used: giving their model folders would segment with the paper's ensemble
 * @param segmentation the engine's segmentation settings
 */
public record OvDiffSegmentResult(SourceImage image, List<OvDiff.Segmentation> planes, Map<String, String> bankSettings,
	String modelIdentity, String device, List<String> unusedExtractors, Segmenter.Settings segmentation, long loadNanos,
	long segmentNanos)
{
	/** The image property holding the class names of the labels, separated by ';' (saved in TIFFs). */
	public static final String CLASS_NAMES = "class names";

	public OvDiffSegmentResult {
		planes = List.copyOf(planes);
		unusedExtractors = List.copyOf(unusedExtractors);
	}

	/** The label names, 0 = background, the same in every plane. */
	public List<String> labels() {
		return planes.get(0).result().labels();
	}

	/** Whether several planes were segmented (tables then have a plane column, ROIs a position). */
	public boolean severalPlanes() {
		return planes.size() > 1;
	}

	/** Pixels per label in plane {@code k}. */
	public long[] pixels(int k) {
		long[] pixels = new long[labels().size()];
		for (int l : planes.get(k).result().labelImage()) pixels[l]++;
		return pixels;
	}

	/**
	 * One row of the class table.
	 * @param plane 1-based plane among those used
	 * @param area pixels times the calibrated pixel area
	 * @param kept whether CLIP's category filter kept the class (the background and stuff always), null without filter
	 */
	public record Row(int plane, int label, String name, long pixels, double area, Boolean kept) {}

	/** The class table: a row per plane and label. */
	public List<Row> rows() {
		Calibration cal = image.calibration();
		double pixelArea = cal.pixelWidth * cal.pixelHeight;
		List<String> names = labels();
		List<Row> rows = new ArrayList<>();
		for (int k = 0; k < planes.size(); k++) {
			long[] pixels = pixels(k);
			CategoryFilter.Result filtered = planes.get(k).filter();
			for (int l = 0; l < names.size(); l++) rows.add(new Row(k + 1, l, names.get(l), pixels[l],
				pixels[l] * pixelArea, filtered == null ? null : l == 0 || filtered.selected().contains(names.get(l))));
		}
		return rows;
	}

	/** 16-bit labels (0 = background, Glasbey LUT), a plane per plane used, calibrated, named classes. */
	public ImagePlus labelImage(String title) {
		int w = image.width(), h = image.height();
		String classNames = String.join(";", labels());
		ImageStack stack = new ImageStack(w, h);
		for (OvDiff.Segmentation s : planes) {
			Segmenter.Result r = s.result();
			if (r.width() != w || r.height() != h) throw new IllegalStateException("the segmentation is " + r.width() +
				"x" + r.height() + ", not the image's " + w + "x" + h);
			stack.addSlice(classNames, ResultImages.labelImage(title, r.labelImage(), w, h, null).getProcessor());
		}
		ImagePlus labels = new ImagePlus(title, stack);
		labels.setDimensions(1, image.resultSlices(), image.resultFrames());
		labels.setLut(stack.getProcessor(1).getLut());
		labels.setDisplayRange(0, 255);
		labels.setCalibration(image.calibration().copy());
		labels.setProp(CLASS_NAMES, classNames);
		if (stack.size() == 1) labels.setProp("Slice_Label", classNames); // where ImageJ keeps a single image's
		return labels;
	}

	/** 32-bit similarity of every pixel to every label: channels = labels (slice labels = names), then the planes. */
	public ImagePlus scoreImage(String title) {
		int w = image.width(), h = image.height();
		ImageStack stack = new ImageStack(w, h);
		for (OvDiff.Segmentation s : planes) {
			ImageStack maps = ResultImages.floatMaps(title, List.of(s.result().scores()), labels(), w, h, null)
				.getStack();
			for (int l = 1; l <= maps.size(); l++) stack.addSlice(maps.getSliceLabel(l), maps.getProcessor(l));
		}
		ImagePlus scores = new ImagePlus(title, stack);
		scores.setDimensions(labels().size(), image.resultSlices(), image.resultFrames());
		scores.setCalibration(image.calibration().copy());
		scores.resetDisplayRange();
		scores.setProp(CLASS_NAMES, String.join(";", labels()));
		return scores;
	}

	/** A ROI per plane and label with pixels, named after its class, placed on its plane when there are several. */
	public List<Roi> rois() {
		int w = image.width(), h = image.height();
		List<SourceImage.Plane> used = image.planes();
		List<Roi> rois = new ArrayList<>();
		for (int k = 0; k < planes.size(); k++) {
			Segmenter.Result r = planes.get(k).result();
			for (int l = 1; l < labels().size(); l++) {
				Roi roi = MaskRois.fromLabels(r.labelImage(), w, h, l, labels().get(l));
				if (roi == null) continue;
				if (severalPlanes()) roi.setPosition(0, image.resultSlices() > 1 ? used.get(k).slice() + 1 : 1,
					image.resultFrames() > 1 ? used.get(k).frame() + 1 : 1);
				rois.add(roi);
			}
		}
		return rois;
	}
}
