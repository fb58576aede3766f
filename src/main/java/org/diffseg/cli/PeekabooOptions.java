package org.diffseg.cli;

import java.io.PrintWriter;

import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.ProgressListener;

import picocli.CommandLine.Option;

/** The Peekaboo options shared by {@code diffseg peekaboo} and {@code diffseg rgba}; defaults from the engine's builder. */
final class PeekabooOptions {
	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();

	@Option(names = "--iterations", description = "Optimisation steps (default ${DEFAULT-VALUE}).")
	int iterations = DEFAULTS.iterations();

	@Option(names = "--size", description = "Side of the alpha (and of a generated image) in pixels (default " +
		"${DEFAULT-VALUE}).")
	int size = DEFAULTS.size();

	@Option(names = "--composite-size", description = "Side of the composites given to the VAE (default " +
		"${DEFAULT-VALUE}: the model's, 512 for SD 1.x).")
	int compositeSize = DEFAULTS.compositeSize();

	@Option(names = "--timelapse-every", description = "Keep the result every k iterations (0: none; default " +
		"${DEFAULT-VALUE}).")
	int timelapseEvery = DEFAULTS.timelapseEvery();

	@Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
	long seed = DEFAULTS.seed();

	/** The engine's settings builder with these options set. */
	PeekabooSettings.Builder builder() {
		return PeekabooSettings.builder().iterations(iterations).size(size).compositeSize(compositeSize)
			.timelapseEvery(timelapseEvery).seed(seed);
	}

	/** Progress on stderr: every tenth of the iterations, and the last. */
	static ProgressListener everyTenth(PrintWriter log) {
		return (stage, i, n) -> {
			if (i == n || i % Math.max(1, n / 10) == 0) log.printf("%s %d/%d%n", stage, i, n);
		};
	}
}
