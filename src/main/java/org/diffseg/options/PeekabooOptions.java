package org.diffseg.options;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.task.ModelRecommendations;

import picocli.CommandLine.Option;

/**
 * The Peekaboo options of every command that runs it ({@code diffseg peekaboo}, {@code rgba}, {@code eval}, the Spark
 * peekaboo job); defaults from the engine's builder. {@link #builder} settles given options against the model's
 * recommendations.
 */
public final class PeekabooOptions extends GivenOptions {
	private static final long serialVersionUID = 1L;
	private static final PeekabooSettings DEFAULTS = PeekabooSettings.defaults();
	/** The start of every model-dependent default's help (picocli needs constant strings). */
	public static final String MODEL = "the model's diffseg.json recommendation, else ";

	@Option(names = "--iterations", description = "Optimisation steps (default: " + MODEL + "${DEFAULT-VALUE}).")
	int iterations = DEFAULTS.iterations();

	@Option(names = "--size", description = "Side of the alpha (and of a generated image) in pixels (default: " + MODEL +
		"${DEFAULT-VALUE}).")
	int size = DEFAULTS.size();

	@Option(names = "--composite-size", description = "Side of the composites given to the VAE (default: " + MODEL +
		"${DEFAULT-VALUE}: the model's image size, 512 for SD 1.x).")
	int compositeSize = DEFAULTS.compositeSize();

	@Option(names = "--learning-rate", description = "SGD learning rate (default: " + MODEL + "${DEFAULT-VALUE}).")
	float learningRate = DEFAULTS.learningRate();

	@Option(names = "--gravity", description = "Weight of the alpha penalty, gravity x sum of alpha (default: " + MODEL +
		"${DEFAULT-VALUE}).")
	float gravity = DEFAULTS.gravity();

	@Option(names = "--guidance", description = "Classifier-free guidance scale (default: " + MODEL +
		"${DEFAULT-VALUE}).")
	float guidance = DEFAULTS.guidance();

	@Option(names = "--timelapse-every", description = "Keep the result every k iterations (0: none; default " +
		"${DEFAULT-VALUE}).")
	int timelapseEvery = DEFAULTS.timelapseEvery();

	@Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
	long seed = DEFAULTS.seed();

	/**
	 * The engine's settings builder with the model folder's recommendations ({@link ModelRecommendations}) and then
	 * the options the user gave: what the user gives wins.
	 */
	public PeekabooSettings.Builder builder(Path model) throws IOException {
		PeekabooSettings.Builder b = ModelRecommendations.peekaboo(model).timelapseEvery(timelapseEvery).seed(seed);
		if (given("--iterations")) b.iterations(iterations);
		if (given("--size")) b.size(size);
		if (given("--composite-size")) b.compositeSize(compositeSize);
		if (given("--learning-rate")) b.learningRate(learningRate);
		if (given("--gravity")) b.gravity(gravity);
		if (given("--guidance")) b.guidance(guidance);
		return b;
	}
}
