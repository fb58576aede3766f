package org.diffseg.ovdiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits support images into foreground (the class) and background (its context) from their attribution heat maps.
 * An interface so that an unsupervised instance segmenter (the paper's CutLER variant) can be plugged in later.
 */
public interface MaskSplitter {

	/** Stable identity including settings; recorded with the prototypes it produced. */
	String id();

	/** Splits one image on its own. */
	FgBgMasks split(HeatMap heat);

	/**
	 * Splits a class's whole support set. The default splits each image on its own; a splitter whose thresholds are
	 * estimated from the whole set overrides this.
	 */
	default List<FgBgMasks> splitSupportSet(List<HeatMap> heats) {
		List<FgBgMasks> out = new ArrayList<>(heats.size());
		for (HeatMap h : heats) out.add(split(h));
		return out;
	}

	/** Foreground where heat &gt; fg, background where heat &lt; bg (strict, as the authors' code). */
	static FgBgMasks threshold(HeatMap heat, double fg, double bg) {
		float[] v = heat.values();
		boolean[] f = new boolean[v.length], b = new boolean[v.length];
		for (int i = 0; i < v.length; i++) {
			f[i] = v[i] > fg;
			b[i] = v[i] < bg;
		}
		return new FgBgMasks(heat.height(), heat.width(), f, b);
	}
}
