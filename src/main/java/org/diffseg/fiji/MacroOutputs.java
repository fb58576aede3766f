package org.diffseg.fiji;

import org.scijava.module.Module;
import org.scijava.module.ModuleItem;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.measure.ResultsTable;

/**
 * Hands a command's outputs to ImageJ 1.x so the macro can go on, as Fiji's legacy layer does: images are shown (in
 * batch mode they are registered), so each can be selected by title and the last one is the current image; tables
 * are shown under their label; text and numbers go to the Log. ROIs are the command's business (it adds them to the
 * ROI Manager).
 */
final class MacroOutputs {

	private MacroOutputs() {}

	static void show(Module module) {
		for (ModuleItem<?> item : module.getInfo().outputs()) {
			Object value = item.getValue(module);
			if (value == null) continue;
			if (value instanceof ImagePlus imp) show(imp);
			else if (value instanceof ResultsTable table) table.show(label(item));
			else if (value instanceof String text) IJ.log(text);
			else if (value instanceof Number || value instanceof Boolean) IJ.log(label(item) + ": " + value);
		}
	}

	private static void show(ImagePlus imp) {
		if (WindowManager.getImage(imp.getID()) == imp) {
			// an input returned as an output: already open, just bring it forward
			imp.updateAndDraw();
			IJ.selectWindow(imp.getID());
		}
		else imp.show();
	}

	private static String label(ModuleItem<?> item) {
		String label = item.getLabel();
		return label == null || label.isBlank() ? item.getName() : label;
	}
}
