package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.diffseg.sd.SafeTensors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code diffseg inspect FILE.safetensors}: validates the header and lists every tensor. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
	description = "Validate a .safetensors file and list each tensor's name, dtype and shape.")
public final class InspectCommand implements Callable<Integer> {

	@Parameters(paramLabel = "FILE", description = "A .safetensors file.")
	Path file;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		if (!Files.isRegularFile(file)) throw new UserError(file + ": no such file. Give the path of a .safetensors file.");
		try (SafeTensors st = SafeTensors.open(file)) {
			var out = spec.commandLine().getOut();
			long total = 0;
			for (SafeTensors.TensorInfo t : st.tensors().values()) {
				out.printf("%-80s %-5s %s%n", t.name(), t.dtype(), t.shapeString());
				total += t.byteCount();
			}
			out.printf("%d tensors, %d bytes%n", st.tensors().size(), total);
			if (!st.metadata().isEmpty()) out.println("metadata: " + st.metadata());
		}
		return DiffSegCli.EXIT_OK;
	}
}
