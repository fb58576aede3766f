package org.diffseg.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/** --stuff and --thing: the user's verdicts over the built-in stuff table, for building and for segmenting. */
final class StuffOptions {

	@Option(names = "--stuff", description = "Treat this class as stuff (no background prototypes); repeatable.")
	List<String> stuff = new ArrayList<>();

	@Option(names = "--thing", description = "Treat this class as a thing, whatever the built-in table says; repeatable.")
	List<String> things = new ArrayList<>();
}
