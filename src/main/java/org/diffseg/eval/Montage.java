package org.diffseg.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.diffseg.synth.RgbImage;

/**
 * A picture of an evaluation a person can look at: per object a tile of three panels, the image, the truth and the
 * prediction (pixels outside the mask dimmed to a quarter, the mask's outline in yellow), each scaled to {@link #PANEL}
 * pixels; {@link #COLUMNS} tiles per row, in the order of the report's table.
 */
final class Montage {
	static final int PANEL = 128, GAP = 8, COLUMNS = 4;
	private final List<int[]> tiles = new ArrayList<>();

	void add(RgbImage image, boolean[] truth, boolean[] prediction) {
		int[] tile = new int[3 * PANEL * PANEL];
		int w = image.width(), h = image.height();
		double scale = Math.max(w, h) / (double) PANEL;
		for (int y = 0; y < PANEL; y++) for (int x = 0; x < PANEL; x++) {
			int sx = (int) (x * scale), sy = (int) (y * scale);
			for (int panel = 0; panel < 3; panel++) {
				int v = 0x202020;
				if (sx < w && sy < h) {
					int i = sy * w + sx;
					v = image.rgb()[i];
					boolean[] mask = panel == 1 ? truth : panel == 2 ? prediction : null;
					if (mask != null) {
						if (edge(mask, sx, sy, w, h)) v = 0xFFFF00;
						else if (!mask[i]) v = v >> 2 & 0x3F3F3F;
					}
				}
				tile[y * 3 * PANEL + panel * PANEL + x] = v;
			}
		}
		tiles.add(tile);
	}

	private static boolean edge(boolean[] m, int x, int y, int w, int h) {
		if (!m[y * w + x]) return false;
		return x == 0 || y == 0 || x == w - 1 || y == h - 1 || !m[y * w + x - 1] || !m[y * w + x + 1] ||
			!m[(y - 1) * w + x] || !m[(y + 1) * w + x];
	}

	void write(Path file) throws IOException {
		int columns = Math.max(1, Math.min(COLUMNS, tiles.size())), rows = Math.max(1, (tiles.size() + columns - 1) /
			columns);
		int tileW = 3 * PANEL, width = columns * (tileW + GAP) + GAP, height = rows * (PANEL + GAP) + GAP;
		BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, 0xFFFFFF);
		for (int t = 0; t < tiles.size(); t++) {
			int ox = GAP + (t % columns) * (tileW + GAP), oy = GAP + (t / columns) * (PANEL + GAP);
			img.setRGB(ox, oy, tileW, PANEL, tiles.get(t), 0, tileW);
		}
		if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer for " + file);
	}
}
