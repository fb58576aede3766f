package org.diffseg.synth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SceneGeneratorTest {

	private static List<Scene> scenes(long seed, int n) {
		SceneGenerator g = new SceneGenerator(seed);
		List<Scene> list = new ArrayList<>();
		for (int i = 0; i < n; i++) list.add(g.next());
		return list;
	}

	@Test
	void sameSeedSameScenesOtherSeedOtherScenes() {
		List<Scene> a = scenes(7, 5), b = scenes(7, 5), c = scenes(8, 5);
		for (int i = 0; i < 5; i++) {
			assertArrayEquals(a.get(i).rgb(), b.get(i).rgb());
			assertEquals(a.get(i).caption(), b.get(i).caption());
			for (int k = 0; k < a.get(i).objects().size(); k++)
				assertArrayEquals(a.get(i).objects().get(k).mask(), b.get(i).objects().get(k).mask());
		}
		assertFalse(java.util.Arrays.equals(a.get(0).rgb(), c.get(0).rgb()));
	}

	@Test
	void objectsAreVisibleNamedAndCaptioned() {
		Set<String> shapes = new HashSet<>(), colours = new HashSet<>();
		int shared = 0, total = 0;
		for (Scene s : scenes(1, 200)) {
			assertEquals(64, s.width());
			assertEquals(64, s.height());
			int n = s.objects().size();
			assertTrue(n >= 1 && n <= 3, s.caption());
			List<String> prompts = new ArrayList<>();
			Set<String> sceneColours = new HashSet<>();
			for (SceneObject o : s.objects()) {
				assertEquals("a " + o.colour() + " " + o.shape(), o.prompt());
				assertTrue(SceneGenerator.COLOURS.contains(o.colour()) && SceneGenerator.SHAPES.contains(o.shape()));
				int area = o.area();
				assertTrue(area >= 25 && area <= 700, o.prompt() + " area " + area);
				prompts.add(o.prompt());
				shapes.add(o.shape());
				colours.add(o.colour());
				sceneColours.add(o.colour());
				total++;
			}
			if (sceneColours.size() < n) shared++;
			assertEquals(n, new HashSet<>(prompts).size(), "each prompt names one object: " + s.caption());
			assertEquals(SceneGenerator.caption(prompts), s.caption());
			// visible masks are disjoint
			for (int i = 0; i < 64 * 64; i++) {
				int owners = 0;
				for (SceneObject o : s.objects()) if (o.mask()[i]) owners++;
				assertTrue(owners <= 1);
			}
		}
		assertEquals(Set.copyOf(SceneGenerator.SHAPES), shapes);
		assertEquals(Set.copyOf(SceneGenerator.COLOURS), colours);
		assertTrue(shared >= 20, "scenes with a shared colour: " + shared);
		assertTrue(total > 300, "objects: " + total);
	}

	@Test
	void captions() {
		assertEquals("a red triangle", SceneGenerator.caption(List.of("a red triangle")));
		assertEquals("a red star and a red ring", SceneGenerator.caption(List.of("a red star", "a red ring")));
		assertEquals("a green square, a yellow triangle and a blue ring",
			SceneGenerator.caption(List.of("a green square", "a yellow triangle", "a blue ring")));
	}

	@Test
	void objectPixelsHaveTheirColour() {
		// the mean colour inside a mask is nearest to the object's palette colour (shading and noise are gentle)
		for (Scene s : scenes(3, 30)) for (SceneObject o : s.objects()) {
			double[] mean = new double[3];
			int n = 0;
			for (int i = 0; i < o.mask().length; i++) if (o.mask()[i]) {
				for (int k = 0; k < 3; k++) mean[k] += s.rgb()[i] >> (16 - 8 * k) & 0xFF;
				n++;
			}
			String best = null;
			double bestD = Double.MAX_VALUE;
			for (String c : SceneGenerator.COLOURS) {
				int p = SceneGenerator.paletteRgb(c);
				double d = 0;
				for (int k = 0; k < 3; k++) d += Math.pow(mean[k] / n - (p >> (16 - 8 * k) & 0xFF), 2);
				if (d < bestD) { bestD = d; best = c; }
			}
			assertEquals(o.colour(), best, s.caption());
		}
	}
}
