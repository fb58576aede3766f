package org.diffseg.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.sd.ReferenceCheck;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.vit.VitReferenceCheck;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code diffseg check-model}: the fixtures' parity protocol, runnable on any model and reference folder. */
@Command(name = "check-model", mixinStandardHelpOptions = true,
	description = "Compare a model's outputs with reference tensors (the fixtures' README format); exit 1 on any FAIL.")
public final class CheckModelCommand extends DeviceCommand {

	@Option(names = "--model", required = true, description = "Model folder: Stable Diffusion (diffusers layout), CLIP or DINO (Hugging Face layout).")
	Path model;

	@Option(names = "--reference", required = true, description = "Folder of reference .safetensors files.")
	Path reference;

	@Override
	public Integer call() throws Exception {
		var out = out();
		if (!Files.isDirectory(model)) throw new UserError(model + " is not a folder: give a model folder.");
		long total, failed, skipped = 0;
		if (VitReferenceCheck.handles(model)) { // a CLIP or DINO folder (config.json with model_type clip / vit)
			List<VitReferenceCheck.Result> results = VitReferenceCheck.run(model, reference, device.device(),
				device.dtype(), r -> out.println(r.line()));
			total = results.size();
			failed = results.stream().filter(r -> !r.pass()).count();
		}
		else {
			List<ReferenceCheck.Result> results;
			try (StableDiffusion sd = load(model)) {
				results = ReferenceCheck.run(sd, reference, r -> out.println(r.line()));
			}
			total = results.size();
			failed = results.stream().filter(ReferenceCheck.Result::failed).count();
			skipped = results.stream().filter(ReferenceCheck.Result::isSkipped).count();
		}
		// a skipped tensor (one the check cannot produce) is listed and counted, never ignored in silence
		out.printf("%d checks, %d passed, %d failed, %d skipped%n", total, total - failed - skipped, failed, skipped);
		return failed == 0 ? DiffSegCli.EXIT_OK : DiffSegCli.EXIT_FAILURE;
	}
}
