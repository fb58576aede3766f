package org.diffseg.options;

import java.io.Serializable;
import java.util.ArrayList;

import org.diffseg.task.OvDiffBuilder;

import picocli.CommandLine.Option;

/** --stuff and --thing: the user's verdicts over the built-in stuff table, for building and for segmenting. */
public final class StuffOptions implements Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--stuff", description = "Treat this class as stuff (no background prototypes); repeatable.")
	ArrayList<String> stuff = new ArrayList<>();

	@Option(names = "--thing", description = "Treat this class as a thing, whatever the built-in table says; repeatable.")
	ArrayList<String> things = new ArrayList<>();

	/** Gives the verdicts to either OVDiff task's settings. */
	public <B extends OvDiffBuilder<B>> B apply(B builder) {
		return builder.stuff(stuff, things);
	}
}
