package org.diffseg.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A {@code diffseg} command: it prints on picocli's writers, which {@link DiffSegCli#run} sets (tests capture them),
 * never on System.out.
 */
abstract class Subcommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	PrintWriter out() {
		return spec.commandLine().getOut();
	}

	PrintWriter err() {
		return spec.commandLine().getErr();
	}
}
