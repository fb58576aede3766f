package org.diffseg.ovdiff;

import java.util.Locale;

/** The paper's "−CutLER" split: foreground = heat &gt; 0.5, background = heat &lt; 0.2 (defaults). */
public final class ThresholdSplitter implements MaskSplitter {
	public static final double DEFAULT_FG = 0.5, DEFAULT_BG = 0.2;

	private final double fg, bg;

	public ThresholdSplitter() {
		this(DEFAULT_FG, DEFAULT_BG);
	}

	public ThresholdSplitter(double fg, double bg) {
		if (!(bg <= fg) || bg < 0 || fg > 1) throw new IllegalArgumentException("thresholds need 0 <= background (" +
			bg + ") <= foreground (" + fg + ") <= 1");
		this.fg = fg;
		this.bg = bg;
	}

	@Override
	public String id() {
		return String.format(Locale.ROOT, "threshold(fg>%s,bg<%s)", fg, bg);
	}

	@Override
	public FgBgMasks split(HeatMap heat) {
		return MaskSplitter.threshold(heat, fg, bg);
	}
}
