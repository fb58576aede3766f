package org.diffseg.task;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.sd.nn.Json;

/**
 * The method settings a model's author recommends, in the model folder's optional {@code diffseg.json}:
 * <pre>{"peekaboo": {"representation": "raster bilateral", "size": 64, "learning_rate": 0.1, "gravity": 0.35}}</pre>
 * The engines' defaults are the papers' values for Stable Diffusion 1.5; a model of another scale needs others (the
 * balance of Peekaboo's score-distillation gradient and its alpha penalty depends on the network and the alpha size).
 * Settings the user gives win over these, these win over the engine's defaults. Unknown keys are refused, so that a
 * misspelt setting is not ignored in silence.
 */
public final class ModelRecommendations {
	/** The file's name in a model folder. */
	public static final String FILE = "diffseg.json";

	private static final Set<String> PEEKABOO_KEYS = Set.of("representation", "size", "composite_size", "iterations",
		"learning_rate", "gravity", "guidance", "min_timestep", "max_timestep", "batch_size", "threshold", "square");

	private ModelRecommendations() {}

	/** The engine's defaults with the model's recommendations applied (none when the model has no diffseg.json). */
	public static PeekabooSettings.Builder peekaboo(Path model) throws IOException {
		return applyPeekaboo(model, PeekabooSettings.builder());
	}

	/** Sets the settings the model recommends on {@code b}, leaving the others as they are. */
	public static PeekabooSettings.Builder applyPeekaboo(Path model, PeekabooSettings.Builder b) throws IOException {
		Json j = section(model, "peekaboo", PEEKABOO_KEYS);
		if (j == null) return b;
		if (j.has("representation")) b.representation(j.string("representation", null));
		if (j.has("size")) b.size(j.integer("size", 8, 4096));
		if (j.has("composite_size")) b.compositeSize(j.integer("composite_size", 0, 4096));
		if (j.has("iterations")) b.iterations(j.integer("iterations", 1, 100_000));
		if (j.has("learning_rate")) b.learningRate((float) j.number("learning_rate", 0, 0, 1e6));
		if (j.has("gravity")) b.gravity((float) j.number("gravity", 0, 0, 1e9));
		if (j.has("guidance")) b.guidance((float) j.number("guidance", 0, 0, 1e6));
		if (j.has("min_timestep")) b.minTimestep(j.integer("min_timestep", 0, 100_000));
		if (j.has("max_timestep")) b.maxTimestep(j.integer("max_timestep", 0, 100_000));
		if (j.has("batch_size")) b.batchSize(j.integer("batch_size", 1, 1024));
		if (j.has("threshold")) b.threshold((float) j.number("threshold", 0, 0, 1));
		if (j.has("square")) b.square(j.string("square", null));
		return b;
	}

	/**
	 * For front-ends that cannot tell a value the user chose from one left alone (a Fiji dialog, a macro): every
	 * setting of {@code user} that is still the engine's default takes the model's recommendation; the ones the user
	 * changed stay.
	 */
	public static PeekabooSettings leftAtDefault(PeekabooSettings user, Path model) throws IOException {
		PeekabooSettings d = PeekabooSettings.defaults(), r = peekaboo(model).build();
		return user.toBuilder()
			.representation(user.representation().equals(d.representation()) ? r.representation() : user.representation())
			.size(user.size() == d.size() ? r.size() : user.size())
			.compositeSize(user.compositeSize() == d.compositeSize() ? r.compositeSize() : user.compositeSize())
			.iterations(user.iterations() == d.iterations() ? r.iterations() : user.iterations())
			.learningRate(user.learningRate() == d.learningRate() ? r.learningRate() : user.learningRate())
			.gravity(user.gravity() == d.gravity() ? r.gravity() : user.gravity())
			.guidance(user.guidance() == d.guidance() ? r.guidance() : user.guidance())
			.minTimestep(user.minTimestep() == d.minTimestep() ? r.minTimestep() : user.minTimestep())
			.maxTimestep(user.maxTimestep() == d.maxTimestep() ? r.maxTimestep() : user.maxTimestep())
			.batchSize(user.batchSize() == d.batchSize() ? r.batchSize() : user.batchSize())
			.threshold(user.threshold() == d.threshold() ? r.threshold() : user.threshold())
			.square(user.square().equals(d.square()) ? r.square() : user.square())
			.build();
	}

	private static Json section(Path model, String method, Set<String> allowed) throws IOException {
		if (model == null) return null;
		Path file = model.resolve(FILE);
		if (!Files.isRegularFile(file)) return null;
		JsonObject root = Json.readObject(file, "a DiffSeg settings file");
		if (!root.has(method)) return null;
		Json all = Json.of(file, root);
		Json section = all.object(method);
		for (String key : section.raw().keySet())
			if (!allowed.contains(key)) throw section.invalid(key, "one of " + new java.util.TreeSet<>(allowed),
				"correct or remove the key in " + file);
		return section;
	}
}
