package org.diffseg.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.run.DiffSegException;

/**
 * What the builders of both OVDiff tasks, {@link PrototypesSettings} and {@link OvDiffSegmentSettings}, take alike:
 * the Stable Diffusion, bank, CLIP and DINO folders, the classes and the user's stuff/thing verdicts.
 *
 * @param <B> the builder itself, returned by every setter
 */
public abstract class OvDiffBuilder<B extends OvDiffBuilder<B>> {
	Path model, bank, clip, dino;
	final List<String> classes = new ArrayList<>();
	final Map<String, Boolean> stuff = new LinkedHashMap<>();

	OvDiffBuilder() {}

	abstract B self();

	public B model(Path folder) {
		model = folder;
		return self();
	}

	public B bank(Path folder) {
		bank = folder;
		return self();
	}

	public B clip(Path folder) {
		clip = folder;
		return self();
	}

	public B dino(Path folder) {
		dino = folder;
		return self();
	}

	public B classes(List<String> names) {
		classes.clear();
		classes.addAll(names);
		return self();
	}

	/** Declares classes stuff (no background prototypes) or things for this run, over the built-in table. */
	public B stuff(List<String> stuffClasses, List<String> thingClasses) {
		for (String c : stuffClasses) stuff.put(ClassNames.key(c), true);
		for (String c : thingClasses) {
			if (Boolean.TRUE.equals(stuff.get(ClassNames.key(c)))) throw DiffSegException.setting("stuff", "'" + c +
				"' is declared both stuff and thing", "keep one");
			stuff.put(ClassNames.key(c), false);
		}
		return self();
	}
}
