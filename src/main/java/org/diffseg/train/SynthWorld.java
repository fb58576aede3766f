package org.diffseg.train;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.diffseg.synth.Scene;
import org.diffseg.synth.SceneGenerator;
import org.diffseg.synth.SceneObject;

/** The synthetic shapes world of {@link SceneGenerator}: 64x64 scenes of 1-3 coloured shapes, captioned. */
public final class SynthWorld implements World {

	@Override
	public List<Example> scenes(long seed, int n, int size) {
		if (size != SceneGenerator.SIZE) throw new IllegalArgumentException("the shapes world is " + SceneGenerator.SIZE +
			" pixels square, not " + size);
		SceneGenerator g = new SceneGenerator(seed);
		List<Example> out = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			Scene s = g.next();
			List<String> phrases = new ArrayList<>();
			for (SceneObject o : s.objects()) phrases.add(o.prompt());
			out.add(new Example(size, s.rgb(), List.copyOf(phrases)));
		}
		return out;
	}

	@Override
	public Set<String> words() {
		Set<String> w = new LinkedHashSet<>(List.of("a", "an", "and", "the", "of", "on", "with", "good", "picture",
			"photo", "background"));
		w.addAll(SceneGenerator.COLOURS);
		w.addAll(SceneGenerator.SHAPES);
		return w;
	}

	@Override
	public String caption(List<String> phrases) {
		return SceneGenerator.caption(phrases);
	}

	@Override
	public String description() {
		return "the synthetic shapes world (org.diffseg.synth.SceneGenerator): 64x64 scenes of 1-3 shapes (" +
			String.join(", ", SceneGenerator.SHAPES) + ") in " + String.join(", ", SceneGenerator.COLOURS) +
			" on muted backgrounds, captioned like \"a red star and a blue ring\"";
	}
}
