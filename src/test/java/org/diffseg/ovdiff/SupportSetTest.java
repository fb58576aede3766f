package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Support set to segmentation without Stable Diffusion: hand-made images and heat maps, a colour "extractor". */
class SupportSetTest extends TensorTest {
	static final int S = 64;

	@TempDir
	Path dir;


	/** A square of colour c (0 red, 1 green) at a position depending on i, on blue; its heat map lights the square. */
	static SupportSet supportSet(NDManager s, String name, int c, int n) {
		List<NDArray> images = new ArrayList<>();
		List<HeatMap> heats = new ArrayList<>();
		List<String> names = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			float[] px = new float[3 * S * S], heat = new float[S * S];
			for (int y = 0; y < S; y++) for (int x = 0; x < S; x++) {
				boolean in = y >= 8 + 4 * i && y < 40 + 4 * i && x >= 10 && x < 40;
				px[(in ? c : 2) * S * S + y * S + x] = 1;
				heat[y * S + x] = in ? 1 : 0.05f;
			}
			images.add(s.create(px, new Shape(1, 3, S, S)));
			heats.add(new HeatMap(S, S, heat));
			names.add(name + "/" + i + ".png");
		}
		return new SupportSet(name, images, heats, names);
	}

	@Test
	void supportSetToBankToSegmentation() throws Exception {
		FeatureExtractor.Ensemble colour = FeatureExtractor.Ensemble.of(SegmenterTest.COLOUR);
		Map<String, String> settings = SupportSet.bankSettings(SupportSet.Sampling.defaults(), new ThresholdSplitter(), 4, 0, 64);
		PrototypeBank bank = new PrototypeBank(dir, "fake-model", settings);
		try (NDManager s = m.newSubManager()) {
			int[] calls = { 0 };
			for (int c = 0; c < 2; c++) {
				SupportSet set = supportSet(s, c == 0 ? "red" : "green", c, 3);
				List<PrototypeBank.Entry> entries = set.prototypes(s, colour, new ThresholdSplitter(), false, 4, 0,
					(stage, done, total) -> calls[0]++, CancelToken.none());
				assertEquals(1, entries.size());
				PrototypeBank.Entry e = entries.get(0);
				float[] fgClass = java.util.Arrays.copyOf(e.prototypes().fg().vectors().toFloatArray(), 3);
				float[] bgClass = java.util.Arrays.copyOf(e.prototypes().bg().vectors().toFloatArray(), 3);
				assertArrayEquals(c == 0 ? new float[] { 1, -1, -1 } : new float[] { -1, 1, -1 }, fgClass, 1e-6f);
				assertArrayEquals(new float[] { -1, -1, 1 }, bgClass, 1e-6f);
				// class + 3 instances + 4 parts; with one distinct feature every part is that feature (as in sklearn)
				assertEquals(1 + 3 + 4, e.prototypes().fg().size());
				float[] all = e.prototypes().fg().vectors().toFloatArray();
				for (int i = 3; i < all.length; i++) assertEquals(fgClass[i % 3], all[i], 1e-6f);
				assertEquals(set.imageNames(), e.supportImages());
				bank.put(e);
			}
			assertEquals(6, calls[0]);
			List<Segmenter.Target> targets = new ArrayList<>();
			for (String name : bank.classes(SegmenterTest.COLOUR.id())) {
				PrototypeBank.Entry e = bank.load(s, name, SegmenterTest.COLOUR.id());
				targets.add(new Segmenter.Target(e.className(), e.stuff(), Map.of(e.extractorId(), e.prototypes())));
			}
			assertEquals(List.of("green", "red"), targets.stream().map(Segmenter.Target::name).toList());
			SegmenterTest.Picture picture = SegmenterTest.picture(s, 448, 448);
			int[] expected = picture.labels().clone();
			NDArray img = picture.image();
			Segmenter.Result r = new Segmenter(Segmenter.Settings.defaults()).segment(img, colour, targets,
				ProgressListener.NONE, CancelToken.none());
			// the picture's labels are red = 1, green = 2; here green is 1 and red 2. Its black band is left out:
			// black is equally (dis)similar to every prototype in this colour space
			int colourful = (448 - 48) * 448;
			for (int i = 0; i < colourful; i++) expected[i] = expected[i] == 0 ? 0 : 3 - expected[i];
			assertArrayEquals(java.util.Arrays.copyOf(expected, colourful), java.util.Arrays.copyOf(r.labelImage(), colourful));
		}
	}

	@Test
	void samplingSettings() {
		SupportSet.Sampling d = SupportSet.Sampling.defaults();
		assertEquals("A good picture of a potted plant", d.prompt(" potted  plant"));
		assertEquals(32, d.images());
		assertThrows(IllegalArgumentException.class, () -> new SupportSet.Sampling("a photo", "", 1, 8, 30, 0));
		Map<String, String> s = SupportSet.bankSettings(d, new MultiOtsuSplitter(), 32, 0, 64);
		assertEquals("multiotsu(levels=3,pooled)", s.get("splitter"));
		assertEquals("8.0", s.get("guidance"));
	}
}
