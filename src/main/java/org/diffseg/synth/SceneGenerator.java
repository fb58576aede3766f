package org.diffseg.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The synthetic world: 64×64 RGB scenes of 1 to 3 coloured shapes on a muted background, with the caption and the
 * exact mask of each object's visible pixels. Used to train a small Stable Diffusion (so that the methods have a
 * model that knows the world) and to measure the methods against ground truth ({@code diffseg eval}).
 * <ul>
 * <li>Background: a flat colour, a linear two-colour gradient, or soft low-frequency blobs of two colours, in random
 * muted colours (sometimes close to an object's colour), plus per-pixel Gaussian noise (sigma 4 to 10 grey levels).</li>
 * <li>Objects: {@link #SHAPES} in {@link #COLOURS} (saturated, a slight random tint, a gentle shading gradient), area
 * about 40 to 600 pixels, random position and rotation, anti-aliased edges, rarely overlapping and never hidden (a
 * later object covers at most a small part of an earlier one); no two objects of a scene have the same colour and
 * shape, so each prompt names one object; two objects share a colour in about a quarter of the scenes with several.</li>
 * <li>Caption: the prompts in order: "a red triangle", "a red star and a red ring",
 * "a green square, a yellow triangle and a blue ring".</li>
 * </ul>
 * The sequence of scenes is a function of the seed alone.
 */
public final class SceneGenerator {

	/** Side of the square scenes, in pixels. */
	public static final int SIZE = 64;
	public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "purple", "white");
	public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "ring");
	/** The nominal colour of each of {@link #COLOURS}, packed 0xRRGGBB. */
	public static final List<Integer> PALETTE = List.of(0xDC1E1E, 0x1EB428, 0x1E3CDC, 0xEBD71E, 0x8C28B4, 0xF5F5F5);

	static final int MAX_AREA = 600;
	static final double STAR_INNER = 0.381966, RING_INNER = 0.55;
	private static final int SUPERSAMPLING = 4;

	private final Random sequence;

	public SceneGenerator(long seed) {
		sequence = new Random(seed);
	}

	/** The nominal colour of a colour word of {@link #COLOURS}, packed 0xRRGGBB. */
	public static int paletteRgb(String colour) {
		int i = COLOURS.indexOf(colour);
		if (i < 0) throw new IllegalArgumentException("not a colour of the world: " + colour + " (one of " + COLOURS + ")");
		return PALETTE.get(i);
	}

	/** "a red triangle". */
	public static String prompt(String colour, String shape) {
		return "a " + colour + " " + shape;
	}

	/** The prompts joined as a caption: "a", "a and b", "a, b and c". */
	public static String caption(List<String> prompts) {
		if (prompts.isEmpty()) return "";
		if (prompts.size() == 1) return prompts.get(0);
		return String.join(", ", prompts.subList(0, prompts.size() - 1)) + " and " + prompts.get(prompts.size() - 1);
	}

	/** The next scene of this seed's sequence. */
	public Scene next() {
		Random r = new Random(sequence.nextLong());
		int w = SIZE, h = SIZE;
		// what is in the scene
		int n = 1 + r.nextInt(3);
		List<String[]> specs = new ArrayList<>();
		while (specs.size() < n) {
			String colour = !specs.isEmpty() && r.nextDouble() < 0.25 ? specs.get(r.nextInt(specs.size()))[0] :
				COLOURS.get(r.nextInt(COLOURS.size()));
			String shape = SHAPES.get(r.nextInt(SHAPES.size()));
			if (specs.stream().noneMatch(s -> s[0].equals(colour) && s[1].equals(shape))) specs.add(new String[] { colour, shape });
		}
		float[][] img = background(r, w, h, specs);
		// the objects, each drawn over the earlier ones
		List<boolean[]> visible = new ArrayList<>();
		List<String[]> placed = new ArrayList<>();
		boolean[] occupied = new boolean[w * h];
		for (String[] spec : specs) {
			boolean allowOverlap = r.nextDouble() < 0.1;
			for (int attempt = 0; attempt < 100; attempt++) {
				Shape shape = Shape.random(r, spec[1], w, h);
				float[] coverage = shape.coverage(w, h);
				boolean[] full = new boolean[w * h];
				int area = 0;
				for (int i = 0; i < full.length; i++) if (coverage[i] >= 0.5f) { full[i] = true; area++; }
				if (area < 30) continue;
				if (!fits(full, area, occupied, visible, allowOverlap, w, h)) continue;
				paint(img, coverage, shape, spec[0], r, w);
				for (boolean[] v : visible) for (int i = 0; i < v.length; i++) v[i] &= !full[i];
				for (int i = 0; i < full.length; i++) occupied[i] |= full[i];
				visible.add(full);
				placed.add(spec);
				break;
			}
		}
		// sensor noise
		double sigma = 4 + 6 * r.nextDouble();
		int[] rgb = new int[w * h];
		for (int i = 0; i < rgb.length; i++) {
			int packed = 0;
			for (int c = 0; c < 3; c++) {
				int v = (int) Math.round(img[c][i] + sigma * r.nextGaussian());
				packed = packed << 8 | Math.max(0, Math.min(255, v));
			}
			rgb[i] = packed;
		}
		List<SceneObject> objects = new ArrayList<>();
		List<String> prompts = new ArrayList<>();
		for (int k = 0; k < placed.size(); k++) {
			String p = prompt(placed.get(k)[0], placed.get(k)[1]);
			prompts.add(p);
			objects.add(new SceneObject(p, placed.get(k)[0], placed.get(k)[1], visible.get(k)));
		}
		return new Scene(w, h, rgb, caption(prompts), objects);
	}

	/**
	 * A new object fits if it keeps one pixel away from every earlier object, or, rarely ({@code allowOverlap}), covers
	 * at most a fifth of its own area of earlier objects and leaves each of them at least 70% of its visible pixels.
	 */
	private static boolean fits(boolean[] full, int area, boolean[] occupied, List<boolean[]> visible, boolean allowOverlap,
		int w, int h) {
		if (!allowOverlap) {
			for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
				if (!full[y * w + x]) continue;
				for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
					int xx = x + dx, yy = y + dy;
					if (xx >= 0 && yy >= 0 && xx < w && yy < h && occupied[yy * w + xx]) return false;
				}
			}
			return true;
		}
		int overlap = 0;
		for (int i = 0; i < full.length; i++) if (full[i] && occupied[i]) overlap++;
		if (overlap > area / 5) return false;
		for (boolean[] v : visible) {
			int before = 0, after = 0;
			for (int i = 0; i < v.length; i++) if (v[i]) { before++; if (!full[i]) after++; }
			if (after < 0.7 * before) return false;
		}
		return true;
	}

	private static void paint(float[][] img, float[] coverage, Shape shape, String colour, Random r, int w) {
		int base = paletteRgb(colour);
		float[] c = new float[3];
		for (int k = 0; k < 3; k++) c[k] = (float) ((base >> (16 - 8 * k) & 0xFF) + (r.nextDouble() * 2 - 1) * 12);
		double phi = r.nextDouble() * 2 * Math.PI, strength = 0.08 + 0.12 * r.nextDouble();
		double gx = Math.cos(phi) * strength / shape.bound, gy = Math.sin(phi) * strength / shape.bound;
		for (int i = 0; i < coverage.length; i++) {
			float a = coverage[i];
			if (a <= 0) continue;
			double shade = 1 + gx * (i % w + 0.5 - shape.cx) + gy * (i / w + 0.5 - shape.cy);
			for (int k = 0; k < 3; k++) {
				float v = (float) Math.max(0, Math.min(255, c[k] * shade));
				img[k][i] = a * v + (1 - a) * img[k][i];
			}
		}
	}

	// ---- background ----

	private static float[][] background(Random r, int w, int h, List<String[]> specs) {
		float[] c1 = muted(r), c2 = muted(r);
		if (r.nextDouble() < 0.2) { // close to an object's colour: hard for a colour threshold
			int p = paletteRgb(specs.get(r.nextInt(specs.size()))[0]);
			double keep = 0.6 + 0.25 * r.nextDouble();
			float[] target = r.nextBoolean() ? c1 : c2;
			for (int k = 0; k < 3; k++) target[k] = (float) (keep * (p >> (16 - 8 * k) & 0xFF) + (1 - keep) * target[k]);
		}
		float[] t = new float[w * h];
		switch (r.nextInt(3)) {
			case 0 -> { } // flat: t = 0 everywhere
			case 1 -> {
				double theta = r.nextDouble() * 2 * Math.PI, cos = Math.cos(theta), sin = Math.sin(theta);
				for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
					double v = ((x - w / 2.0) * cos + (y - h / 2.0) * sin) / (Math.max(w, h) * 0.75) + 0.5;
					t[y * w + x] = (float) Math.max(0, Math.min(1, v));
				}
			}
			default -> {
				int g = 3 + r.nextInt(3);
				double[][] nodes = new double[g + 1][g + 1];
				for (double[] row : nodes) for (int i = 0; i < row.length; i++) row[i] = r.nextDouble();
				for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
					double fx = (x + 0.5) / w * g, fy = (y + 0.5) / h * g;
					int ix = Math.min(g - 1, (int) fx), iy = Math.min(g - 1, (int) fy);
					double sx = smooth(fx - ix), sy = smooth(fy - iy);
					double top = nodes[iy][ix] * (1 - sx) + nodes[iy][ix + 1] * sx;
					double bottom = nodes[iy + 1][ix] * (1 - sx) + nodes[iy + 1][ix + 1] * sx;
					t[y * w + x] = (float) (top * (1 - sy) + bottom * sy);
				}
			}
		}
		float[][] img = new float[3][w * h];
		for (int i = 0; i < t.length; i++) for (int k = 0; k < 3; k++) img[k][i] = c1[k] * (1 - t[i]) + c2[k] * t[i];
		return img;
	}

	private static double smooth(double s) {
		return s * s * (3 - 2 * s);
	}

	/** A muted colour: low saturation, middle value. */
	private static float[] muted(Random r) {
		double hue = r.nextDouble(), sat = 0.05 + 0.35 * r.nextDouble(), val = 0.25 + 0.55 * r.nextDouble();
		int packed = java.awt.Color.HSBtoRGB((float) hue, (float) sat, (float) val);
		return new float[] { packed >> 16 & 0xFF, packed >> 8 & 0xFF, packed & 0xFF };
	}

	// ---- shapes ----

	/** A shape placed in the image: centre, rotation, circumradius ({@code bound}) and, for polygons, the vertices. */
	static final class Shape {
		final String kind;
		final double cx, cy, angle, radius, bound;
		final double[] polygon; // x0, y0, x1, y1, ... in the shape's own frame

		private Shape(String kind, double cx, double cy, double angle, double radius, double bound, double[] polygon) {
			this.kind = kind;
			this.cx = cx;
			this.cy = cy;
			this.angle = angle;
			this.radius = radius;
			this.bound = bound;
			this.polygon = polygon;
		}

		static Shape random(Random r, String kind, int w, int h) {
			double minArea = switch (kind) {
				case "circle", "square" -> 40;
				case "triangle" -> 50;
				default -> 90; // star and ring need some pixels to show their holes and points
			};
			double area = minArea + (MAX_AREA - minArea) * r.nextDouble();
			double angle = r.nextDouble() * 2 * Math.PI;
			double[] unit = switch (kind) { // polygons of circumradius 1
				case "triangle" -> regular(3, 1, 1);
				case "star" -> regular(5, 1, STAR_INNER);
				case "square" -> regular(4, 1, 1);
				default -> null;
			};
			double unitArea = switch (kind) {
				case "circle" -> Math.PI;
				case "ring" -> Math.PI * (1 - RING_INNER * RING_INNER);
				default -> polygonArea(unit);
			};
			double radius = Math.sqrt(area / unitArea);
			double[] polygon = null;
			if (unit != null) {
				polygon = unit.clone();
				for (int i = 0; i < polygon.length; i++) polygon[i] *= radius;
			}
			double margin = radius + 1;
			double cx = margin + r.nextDouble() * Math.max(0, w - 2 * margin);
			double cy = margin + r.nextDouble() * Math.max(0, h - 2 * margin);
			return new Shape(kind, cx, cy, angle, radius, radius, polygon);
		}

		/** Regular polygon (inner == 1) or star (inner < 1) of n points, circumradius {@code outer}. */
		static double[] regular(int n, double outer, double inner) {
			boolean star = inner < 1;
			int count = star ? 2 * n : n;
			double[] p = new double[2 * count];
			for (int i = 0; i < count; i++) {
				double a = -Math.PI / 2 + 2 * Math.PI * i / count;
				double rad = star && i % 2 == 1 ? inner * outer : outer;
				p[2 * i] = rad * Math.cos(a);
				p[2 * i + 1] = rad * Math.sin(a);
			}
			return p;
		}

		static double polygonArea(double[] p) {
			double s = 0;
			int n = p.length / 2;
			for (int i = 0; i < n; i++) {
				int j = (i + 1) % n;
				s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
			}
			return Math.abs(s) / 2;
		}

		boolean contains(double x, double y) {
			double dx = x - cx, dy = y - cy;
			double cos = Math.cos(angle), sin = Math.sin(angle);
			double u = dx * cos + dy * sin, v = -dx * sin + dy * cos;
			double d2 = u * u + v * v;
			if (d2 > radius * radius) return false;
			return switch (kind) {
				case "circle" -> true;
				case "ring" -> d2 >= RING_INNER * RING_INNER * radius * radius;
				default -> insidePolygon(polygon, u, v);
			};
		}

		static boolean insidePolygon(double[] p, double x, double y) {
			boolean inside = false;
			int n = p.length / 2;
			for (int i = 0, j = n - 1; i < n; j = i++) {
				double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
				if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
			}
			return inside;
		}

		/** Fraction of each pixel inside the shape, by supersampling. */
		float[] coverage(int w, int h) {
			float[] cov = new float[w * h];
			int x0 = Math.max(0, (int) Math.floor(cx - bound - 1)), x1 = Math.min(w - 1, (int) Math.ceil(cx + bound + 1));
			int y0 = Math.max(0, (int) Math.floor(cy - bound - 1)), y1 = Math.min(h - 1, (int) Math.ceil(cy + bound + 1));
			int s = SUPERSAMPLING;
			for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) {
				int in = 0;
				for (int sy = 0; sy < s; sy++) for (int sx = 0; sx < s; sx++)
					if (contains(x + (sx + 0.5) / s, y + (sy + 0.5) / s)) in++;
				cov[y * w + x] = in / (float) (s * s);
			}
			return cov;
		}
	}
}
