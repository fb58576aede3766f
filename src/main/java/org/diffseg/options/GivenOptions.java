package org.diffseg.options;

import java.io.Serializable;
import java.util.HashSet;
import java.util.Set;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * A group of options whose defaults yield to a model's recommendations ({@link org.diffseg.task.ModelRecommendations})
 * unless the user gave them: the one place that asks picocli which options were given. The answer is read from the
 * parse result once and kept, so that it travels with a Spark job to executors, where there is no parse result.
 */
public abstract class GivenOptions implements Serializable {
	private static final long serialVersionUID = 1L;

	@Spec(Spec.Target.MIXEE)
	transient CommandSpec command;

	/** The long names of the options the user gave; read on first use. */
	private HashSet<String> given;

	/** Whether the user gave {@code option} (a long name such as "--size"); else the model's value, if any, applies. */
	public boolean given(String option) {
		return matched().contains(option);
	}

	private Set<String> matched() {
		if (given == null) {
			HashSet<String> names = new HashSet<>();
			ParseResult parsed = command.commandLine().getParseResult();
			for (OptionSpec o : command.options()) if (parsed.hasMatchedOption(o)) names.add(o.longestName());
			given = names;
		}
		return given;
	}
}
