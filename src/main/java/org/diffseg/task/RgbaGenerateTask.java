package org.diffseg.task;

import java.io.IOException;

import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.run.CancelToken;
import org.diffseg.run.DiffSegException;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;

/** RGBA generate, the use case (Peekaboo §5): an image with transparency from a prompt. */
public final class RgbaGenerateTask extends ModelTask {

	public RgbaGenerateTask(ModelSource models) {
		super(models);
	}

	/**
	 * @throws DiffSegException for what the user can fix (no prompt, no model)
	 * @throws java.util.concurrent.CancellationException when {@code cancel} is cancelled: no result
	 */
	public RgbaGenerateResult run(RgbaGenerateSettings settings, ProgressListener progress, CancelToken cancel)
		throws IOException
	{
		if (settings.prompt().isEmpty()) throw DiffSegException.setting("prompt", "no prompt given",
			"describe what to generate, e.g. a red apple");
		long start = System.nanoTime();
		StableDiffusion sd = stableDiffusion(settings.model(), cancel);
		long loaded = System.nanoTime();
		Peekaboo peekaboo = new Peekaboo(sd);
		Peekaboo.Rgba r = peekaboo.generateRgba(settings.prompt(), settings.peekaboo(), progress, cancel);
		return new RgbaGenerateResult(r, sd.identity(), sd.device.toString(), peekaboo.compositeSize(
			settings.peekaboo()), loaded - start, System.nanoTime() - loaded);
	}
}
