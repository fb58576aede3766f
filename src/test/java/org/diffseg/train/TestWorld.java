package org.diffseg.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** A stand-in world for tests: one coloured square or disc on a grey background. */
final class TestWorld implements World {
	static final String[] COLOURS = { "red", "green", "blue" };
	static final int[] RGB = { 0xdd2222, 0x22bb22, 0x2244ee };
	static final String[] SHAPES = { "square", "circle" };

	@Override
	public List<Example> scenes(long seed, int n, int size) {
		SplittableRandom r = new SplittableRandom(seed);
		List<Example> out = new ArrayList<>();
		for (int k = 0; k < n; k++) {
			int c = r.nextInt(COLOURS.length), s = r.nextInt(SHAPES.length);
			int half = size / 6 + r.nextInt(size / 8 + 1), cx = half + r.nextInt(size - 2 * half), cy = half +
				r.nextInt(size - 2 * half);
			int[] rgb = new int[size * size];
			for (int y = 0; y < size; y++)
				for (int x = 0; x < size; x++) {
					boolean in = s == 0 ? Math.abs(x - cx) <= half && Math.abs(y - cy) <= half :
						(x - cx) * (x - cx) + (y - cy) * (y - cy) <= half * half;
					rgb[y * size + x] = in ? RGB[c] : 0x808080;
				}
			out.add(new Example(size, rgb, List.of("a " + COLOURS[c] + " " + SHAPES[s])));
		}
		return out;
	}

	@Override
	public Set<String> words() {
		return Set.of("a", "and", "red", "green", "blue", "square", "circle");
	}

	@Override
	public String description() {
		return "test world: one red, green or blue square or circle on grey";
	}
}
