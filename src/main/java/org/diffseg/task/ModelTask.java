package org.diffseg.task;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.sd.StableDiffusion;

/** What every use case shares: where its models come from, and how Stable Diffusion is loaded. */
abstract class ModelTask {
	final ModelSource models;

	ModelTask(ModelSource models) {
		this.models = models;
	}

	/**
	 * The Stable Diffusion model in {@code folder}. Loading cannot stop half-way: a cancel asked meanwhile takes effect
	 * when it is done.
	 */
	StableDiffusion stableDiffusion(Path folder, CancelToken cancel) throws IOException {
		if (folder == null) throw DiffSegException.setting("model", "no model folder given",
			"choose a Stable Diffusion folder");
		StableDiffusion sd = models.stableDiffusion(folder);
		cancel.check();
		return sd;
	}
}
