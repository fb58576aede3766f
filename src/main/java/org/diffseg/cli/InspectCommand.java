package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.WeightFiles;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code diffseg inspect FILE.safetensors}: validates the header (as every loader does) and lists every tensor.
 * Also takes a sharded {@code *.safetensors.index.json} or a model component folder such as {@code unet/}.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
	description = "Validate a .safetensors file (or a sharded index, or a component folder such as unet/) and list "
		+ "each tensor's name, dtype and shape, and the total bytes.")
public final class InspectCommand extends Subcommand {

	@Parameters(paramLabel = "FILE", description = "A .safetensors file, a *.safetensors.index.json, or a folder.")
	Path file;

	@Override
	public Integer call() throws Exception {
		if (!Files.exists(file)) throw new UserError(file + ": no such file. Give the path of a .safetensors file.");
		try (WeightFiles weights = WeightFiles.open(file)) {
			var out = out();
			boolean sharded = weights.files().size() > 1;
			long total = 0;
			for (SafeTensors st : weights.files()) {
				if (sharded || Files.isDirectory(file)) out.println("# " + st.path());
				for (SafeTensors.TensorInfo t : st.tensors().values()) {
					out.printf("%-80s %-7s %s%n", t.name(), t.dtype(), t.shapeString());
					total += t.byteCount();
				}
				if (!st.metadata().isEmpty()) out.println("metadata: " + st.metadata());
			}
			out.printf("%d tensors, %d bytes%s%n", weights.tensors().size(), total,
				sharded ? " in " + weights.files().size() + " files" : "");
		}
		return DiffSegCli.EXIT_OK;
	}
}
