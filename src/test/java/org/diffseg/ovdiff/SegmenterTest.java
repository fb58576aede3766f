package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Function;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.junit.jupiter.api.Test;

class SegmenterTest extends TensorTest {
	/** A hand-made extractor. */
	record Fake(String id, int channels, Function<NDArray, NDArray> f) implements FeatureExtractor {
		@Override
		public NDArray extract(NDArray image) {
			return f.apply(image);
		}
	}

	/** Features = 2 * colour - 1 at every pixel of the window: black is (-1, -1, -1). */
	static final Fake COLOUR = new Fake("colour", 3, img -> img.squeeze(0).mul(2f).sub(1f));

	static Prototypes prototypes(NDManager s, float[][] fg, float[][] bg, int channels) {
		return new Prototypes(group(s, fg, channels), group(s, bg, channels));
	}

	static Prototypes.Group group(NDManager s, float[][] rows, int channels) {
		float[] v = new float[rows.length * channels];
		List<Prototypes.Origin> origins = new ArrayList<>();
		for (int i = 0; i < rows.length; i++) {
			System.arraycopy(rows[i], 0, v, i * channels, channels);
			origins.add(i == 0 ? new Prototypes.Origin(Prototypes.Kind.CLASS, -1, -1, 10) :
				new Prototypes.Origin(Prototypes.Kind.INSTANCE, i - 1, -1, 5));
		}
		return new Prototypes.Group(s.create(v, new Shape(rows.length, channels)), origins, s.full(new Shape(1, 1, 1), -1));
	}

	static Segmenter.Target target(NDManager s, String name, boolean stuff, String extractor, float[][] fg, float[][] bg,
		int channels)
	{
		return new Segmenter.Target(name, stuff, Map.of(extractor, prototypes(s, fg, bg, channels)));
	}

	/** A test image and the label each of its pixels should get. */
	record Picture(NDArray image, int[] labels) {}

	/** Red left (label 1), green right (2), a blue square and a black band at the bottom (both 0). */
	static Picture picture(NDManager s, int h, int w) {
		float[] px = new float[3 * h * w];
		int[] expected = new int[h * w];
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
			int c, label;
			if (y >= h - 48) { c = -1; label = 0; }
			else if (y >= h / 5 && y < h / 5 + 50 && x >= w / 5 && x < w / 5 + 50) { c = 2; label = 0; }
			else if (x < w / 2) { c = 0; label = 1; }
			else { c = 1; label = 2; }
			if (c >= 0) px[c * h * w + y * w + x] = 1;
			expected[y * w + x] = label;
		}
		return new Picture(s.create(px, new Shape(1, 3, h, w)), expected);
	}

	List<Segmenter.Target> redGreen(NDManager s) {
		float[][] blue = { { 0, 0, 1 } }, bluish = { { 0, 0.1f, 1 } };
		return List.of(target(s, "red", false, "colour", new float[][] { { 1, 0, 0 } }, blue, 3),
			target(s, "green", false, "colour", new float[][] { { 0, 1, 0 }, { 0.1f, 1, 0 } }, bluish, 3));
	}

	/** The {@link #redGreen} targets segmented from {@code img} by the colour features, not cancelled. */
	Segmenter.Result segmentRedGreen(NDManager s, Segmenter seg, NDArray img) {
		return seg.segment(img, FeatureExtractor.Ensemble.of(COLOUR), redGreen(s), ProgressListener.NONE,
			CancelToken.none());
	}

	@Test
	void separableClassesSegmentPerfectlyAndNonPositiveScoresAreBackground() {
		try (NDManager s = m.newSubManager()) {
			int h = 448, w = 512;
			Picture picture = picture(s, h, w);
			Segmenter.Result r = segmentRedGreen(s, new Segmenter(Segmenter.Settings.defaults()), picture.image());
			assertEquals(List.of("background", "red", "green"), r.labels());
			assertArrayEquals(picture.labels(), r.labelImage());
			int black = (h - 1) * w, red = 10 * w + 10, blue = (h / 5 + 10) * w + w / 5 + 10;
			// black: every score is negative (features (-1,-1,-1)), so all are zeroed and the background wins
			for (int l = 0; l < 3; l++) assertTrue(r.scores()[l][black] < 0, "label " + l + " at black");
			assertEquals(1 / Math.sqrt(3), r.scores()[1][red], 1e-5);
			// explanations: red pixels point at red's class prototype, blue ones at red's (first) background prototype
			List<Segmenter.PrototypeRef> refs = r.prototypes().get(0);
			assertEquals(new Segmenter.PrototypeRef(1, "red", true, new Prototypes.Origin(Prototypes.Kind.CLASS, -1, -1, 10)),
				refs.get(r.winners()[0][red]));
			assertEquals(new Segmenter.PrototypeRef(0, "red", false, new Prototypes.Origin(Prototypes.Kind.CLASS, -1, -1, 10)),
				refs.get(r.winners()[0][blue]));
			Segmenter.PrototypeRef greenWinner = refs.get(r.winners()[0][100 * w + w - 5]);
			assertEquals(2, greenWinner.label());
			assertEquals(Prototypes.Kind.CLASS, greenWinner.origin().kind(), "(0,1,0) beats (0.1,1,0) on pure green");
		}
	}

	/** Constant features whose cosine with the prototype (1, 0) depends on the window's size. */
	static final Fake BY_WINDOW = new Fake("by-window", 2, img -> {
		long h = img.getShape().get(2), w = img.getShape().get(3);
		double cos = h == 448 && w == 448 ? 0.9 : h == 336 && w == 336 ? 0.3 : h == 448 && w == 672 ? 0.6 : Double.NaN;
		float[] f = new float[2 * 16];
		for (int i = 0; i < 16; i++) {
			f[i] = (float) cos;
			f[16 + i] = (float) Math.sqrt(1 - cos * cos);
		}
		return img.getManager().create(f, new Shape(2, 4, 4));
	});

	static final Fake CONSTANT = new Fake("constant", 2, img -> {
		float[] f = new float[2 * 9];
		for (int i = 0; i < 9; i++) {
			f[i] = 0.1f;
			f[9 + i] = (float) Math.sqrt(1 - 0.01);
		}
		return img.getManager().create(f, new Shape(2, 3, 3));
	});

	@Test
	void scoresAreAveragedOverWindowsAndExtractors() {
		try (NDManager s = m.newSubManager()) {
			int h = 448, w = 672;
			Segmenter seg = new Segmenter(Segmenter.Settings.defaults());
			assertEquals(2 + 6 + 1, seg.windows(h, w).size());
			NDArray img = s.zeros(new Shape(1, 3, h, w));
			Prototypes p = prototypes(s, new float[][] { { 1, 0 } }, new float[0][], 2);
			Segmenter.Target a = new Segmenter.Target("a", false, Map.of("by-window", p, "constant", p));
			Segmenter.Result one = seg.segment(img, FeatureExtractor.Ensemble.of(BY_WINDOW), List.of(a),
				ProgressListener.NONE, CancelToken.none());
			// windows covering each pixel, worked out by hand: 448-windows x in [0,448) and [224,672); 336-windows
			// y in [0,336) and [112,448), x in [0,336), [224,560) and [336,672); plus the whole image
			assertEquals((0.9 + 0.3 + 0.6) / 3, one.scores()[1][0], 1e-5);
			assertEquals((2 * 0.9 + 4 * 0.3 + 0.6) / 7, one.scores()[1][200 * w + 300], 1e-5);
			assertEquals((0.9 + 2 * 0.3 + 0.6) / 4, one.scores()[1][120 * w + 100], 1e-5);
			assertEquals((0.9 + 0.3 + 0.6) / 3, one.scores()[1][447 * w + 671], 1e-5);
			assertEquals(-1, one.scores()[0][0], 1e-6, "no background prototypes: background scores -1");
			for (int l : one.labelImage()) assertEquals(1, l);
			Segmenter.Result two = seg.segment(img, FeatureExtractor.Ensemble.of(BY_WINDOW, CONSTANT), List.of(a),
				ProgressListener.NONE, CancelToken.none());
			assertEquals((0.9 + 0.3 + 0.6 + 3 * 0.1) / 6, two.scores()[1][0], 1e-5);
			assertEquals(List.of("by-window", "constant"), two.extractors());
		}
	}

	@Test
	void stuffClassesGiveNoBackgroundAndFilterSimilarThingBackgrounds() {
		try (NDManager s = m.newSubManager()) {
			List<Segmenter.Target> targets = List.of(
				target(s, "boat", false, "colour", new float[][] { { 1, 0, 0 } }, new float[][] { { 0, 1, 0.1f }, { 0, 0, 1 } }, 3),
				target(s, "water", true, "colour", new float[][] { { 0, 1, 0 } }, new float[][] { { 0, 0, 1 } }, 3));
			NDArray img = picture(s, 64, 64).image();
			Segmenter.Result r = new Segmenter(new Segmenter.Settings(0, List.of(48, 32), 16, true, 0.85)).segment(img,
				FeatureExtractor.Ensemble.of(COLOUR), targets, ProgressListener.NONE, CancelToken.none());
			List<Segmenter.PrototypeRef> bg = r.prototypes().get(0).stream().filter(p -> p.label() == 0).toList();
			assertEquals(1, bg.size(), "boat's water-like background prototype is dropped, water gives none");
			assertEquals("boat", bg.get(0).className());
			assertEquals(Prototypes.Kind.INSTANCE, bg.get(0).origin().kind());
			// green is water, not background
			assertEquals(2, r.labelImage()[10 * 64 + 60]);
		}
	}

	@Test
	void pamrRefinesTheAveragedScoresBeforeLabelling() {
		try (NDManager s = m.newSubManager()) {
			int h = 40, w = 56;
			NDArray img = picture(s, h, w).image();
			// one whole-image window at full size: the averaged maps are the scores of the result
			Segmenter.Settings plain = new Segmenter.Settings(0, List.of(), 16, true, 0.85);
			Segmenter.Result r0 = segmentRedGreen(s, new Segmenter(plain), img);
			Segmenter.Result r1 = segmentRedGreen(s, new Segmenter(plain.withPamr(true)), img);
			float[] maps = new float[r0.scores().length * h * w];
			for (int l = 0; l < r0.scores().length; l++) System.arraycopy(r0.scores()[l], 0, maps, l * h * w, h * w);
			float[] expected = new Pamr().refine(img.squeeze(0), s.create(maps, new Shape(r0.scores().length, h, w)))
				.toFloatArray();
			for (int l = 0; l < r1.scores().length; l++)
				for (int i = 0; i < h * w; i++) assertEquals(expected[l * h * w + i], r1.scores()[l][i], 1e-5, "label " + l);
			for (int i = 0; i < h * w; i++) {
				int best = 0;
				for (int l = 1; l < r1.scores().length; l++)
					if (Math.max(r1.scores()[l][i], 0) > Math.max(r1.scores()[best][i], 0)) best = l;
				assertEquals(best, r1.labelImage()[i], "pixel " + i);
			}
			assertTrue(Segmenter.Settings.defaults().pamr() == false, "PAMR is optional, off by default");
		}
	}

	@Test
	void smallImagesAreProcessedWholeAndMappedBackToTheirSize() {
		try (NDManager s = m.newSubManager()) {
			int h = 100, w = 150;
			Picture picture = picture(s, h, w);
			Segmenter keep = new Segmenter(new Segmenter.Settings(0, List.of(448, 336), 224, true, 0.85));
			for (int[] win : keep.windows(h, w)) assertArrayEquals(new int[] { 0, h, 0, w }, win);
			Segmenter.Result r = segmentRedGreen(s, keep, picture.image());
			assertArrayEquals(picture.labels(), r.labelImage());
			// resized to a shorter side of 448 and back: same size out, labels away from the edges unchanged
			Segmenter.Result big = segmentRedGreen(s, new Segmenter(Segmenter.Settings.defaults()), picture.image());
			assertEquals(h, big.height());
			assertEquals(w, big.width());
			assertEquals(1, big.labelImage()[10 * w + 10]);
			assertEquals(2, big.labelImage()[10 * w + w - 10]);
			assertEquals(0, big.labelImage()[(h - 10) * w + 10]);
		}
	}

	@Test
	void cancelsBadInputsWithClearMessages() {
		try (NDManager s = m.newSubManager()) {
			NDArray img = picture(s, 448, 448).image();
			Segmenter seg = new Segmenter(Segmenter.Settings.defaults());
			int[] calls = { 0 };
			CancelToken cancel = new CancelToken();
			assertThrows(CancellationException.class, () -> seg.segment(img, FeatureExtractor.Ensemble.of(COLOUR),
				redGreen(s), (stage, done, total) -> {
					calls[0]++;
					cancel.cancel("stop");
				}, cancel));
			assertEquals(1, calls[0]);
			IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> seg.segment(img,
				FeatureExtractor.Ensemble.of(COLOUR, CONSTANT), redGreen(s),
					ProgressListener.NONE, CancelToken.none()));
			assertTrue(missing.getMessage().contains("no prototypes for feature extractor constant"), missing.getMessage());
			List<Segmenter.Target> dup = new ArrayList<>(redGreen(s));
			dup.add(target(s, "Red ", false, "colour", new float[][] { { 1, 0, 0 } }, new float[0][], 3));
			assertThrows(IllegalArgumentException.class, () -> seg.segment(img, FeatureExtractor.Ensemble.of(COLOUR), dup,
				ProgressListener.NONE, CancelToken.none()));
			assertThrows(IllegalArgumentException.class, () -> seg.segment(img, FeatureExtractor.Ensemble.of(COLOUR), List.of(),
				ProgressListener.NONE, CancelToken.none()));
			assertThrows(IllegalArgumentException.class, () -> seg.segment(s.zeros(new Shape(1, 1, 8, 8)),
				FeatureExtractor.Ensemble.of(COLOUR), redGreen(s), ProgressListener.NONE, CancelToken.none()));
			assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.Ensemble.of(COLOUR, COLOUR));
		}
	}
}
