package org.diffseg.cli;

import picocli.CommandLine.Option;

/**
 * --repeat: how many timed runs a benchmark measures after one untimed warm-up, of which it reports the median. One
 * help text for every benchmark; each keeps its own default (a run of some costs seconds, of others milliseconds).
 */
final class RepeatOption {

	@Option(names = "--repeat", paramLabel = "<repeat>", description = "Timed runs of each measurement after one " +
		"untimed warm-up; the median is reported (default ${DEFAULT-VALUE}).")
	int count;

	/** @param count the default number of timed runs */
	RepeatOption(int count) {
		this.count = count;
	}
}
