package org.diffseg.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

/** Draws the training losses (VAE reconstruction MSE, UNet epsilon MSE) as a PNG: raw steps in grey, a running mean in colour, log scale. */
public final class LossCurve {
	private static final int W = 480, H = 320, M = 48;

	private LossCurve() {}

	public static void write(Path png, List<Float> vae, List<Float> unet) throws IOException {
		BufferedImage img = new BufferedImage(2 * W, H, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = img.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		g.setColor(Color.WHITE);
		g.fillRect(0, 0, 2 * W, H);
		panel(g, 0, "VAE reconstruction MSE", vae, new Color(0x1f77b4));
		panel(g, W, "UNet + text encoder: epsilon MSE", unet, new Color(0xd62728));
		g.dispose();
		Files.createDirectories(png.toAbsolutePath().getParent());
		ImageIO.write(img, "png", png.toFile());
	}

	private static void panel(Graphics2D g, int x0, String title, List<Float> v, Color colour) {
		int left = x0 + M, right = x0 + W - 12, top = 28, bottom = H - M;
		g.setColor(Color.BLACK);
		g.drawRect(left, top, right - left, bottom - top);
		text(g, title + (v.isEmpty() ? " (no steps)" : String.format(" (last: %.4f)", tail(v, 50))), left, 18, 13);
		if (v.isEmpty()) return;
		double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
		for (float f : v) if (f > 0 && Float.isFinite(f)) {
			lo = Math.min(lo, f);
			hi = Math.max(hi, f);
		}
		if (lo == Double.MAX_VALUE) return;
		double llo = Math.floor(Math.log10(lo) * 4) / 4, lhi = Math.ceil(Math.log10(hi) * 4) / 4;
		if (lhi - llo < 0.25) lhi = llo + 0.25;
		int n = v.size();
		// y grid at powers of ten and their halves
		g.setStroke(new BasicStroke(1f));
		for (double e = Math.floor(llo); e <= lhi; e += 1) for (double mult : new double[] { 1, 2, 5 }) {
			double l = e + Math.log10(mult);
			if (l < llo || l > lhi) continue;
			int y = (int) Math.round(bottom - (l - llo) / (lhi - llo) * (bottom - top));
			g.setColor(new Color(0xdddddd));
			g.drawLine(left + 1, y, right - 1, y);
			g.setColor(Color.DARK_GRAY);
			text(g, fmt(Math.pow(10, l)), x0 + 2, y + 4, 10);
		}
		text(g, "step", (left + right) / 2 - 10, H - 10, 11);
		text(g, "0", left - 3, bottom + 14, 10);
		text(g, Integer.toString(n), right - 24, bottom + 14, 10);
		int window = Math.max(1, n / 50);
		double[] smooth = new double[n];
		double sum = 0;
		for (int i = 0; i < n; i++) {
			sum += v.get(i);
			if (i >= window) sum -= v.get(i - window);
			smooth[i] = sum / Math.min(i + 1, window);
		}
		int px = -1, py = -1;
		g.setColor(new Color(0xbbbbbb));
		for (int i = 0; i < n; i++) {
			int x = left + (int) Math.round((double) i / Math.max(1, n - 1) * (right - left));
			int y = y(v.get(i), llo, lhi, top, bottom);
			if (px >= 0) g.drawLine(px, py, x, y);
			px = x;
			py = y;
		}
		g.setColor(colour);
		g.setStroke(new BasicStroke(2f));
		px = -1;
		for (int i = 0; i < n; i++) {
			int x = left + (int) Math.round((double) i / Math.max(1, n - 1) * (right - left));
			int y = y(smooth[i], llo, lhi, top, bottom);
			if (px >= 0) g.drawLine(px, py, x, y);
			px = x;
			py = y;
		}
	}

	private static int y(double value, double llo, double lhi, int top, int bottom) {
		double l = Math.log10(Math.max(value, Math.pow(10, llo)));
		l = Math.min(l, lhi);
		return (int) Math.round(bottom - (l - llo) / (lhi - llo) * (bottom - top));
	}

	private static String fmt(double v) {
		return v >= 1 ? String.format("%.0f", v) : v >= 0.01 ? String.format("%.2f", v) : String.format("%.0e", v);
	}

	private static void text(Graphics2D g, String s, int x, int y, int size) {
		try {
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
			g.drawString(s, x, y);
		}
		catch (RuntimeException | Error e) {
			// no fonts on this headless system: the curve without labels
		}
	}

	static double tail(List<Float> v, int n) {
		return Trainer.mean(v, n);
	}
}
