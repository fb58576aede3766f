package org.diffseg.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code diffseg system}: what DiffSeg will compute on, and why not on a GPU when it does not. */
@Command(name = "system", mixinStandardHelpOptions = true,
	description = "Report Java, the deep-learning engine, CUDA and GPUs, and the device DiffSeg will use.")
public final class SystemCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() {
		var out = spec.commandLine().getOut();
		out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
		ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
		out.println("engine: " + engine.getEngineName() + " " + engine.getVersion());
		return DiffSegCli.EXIT_OK;
	}
}
