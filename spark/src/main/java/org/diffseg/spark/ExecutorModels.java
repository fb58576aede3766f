package org.diffseg.spark;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.task.LoadedModels;
import org.diffseg.task.ModelSource;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

/**
 * The models of this executor JVM: loaded once per device on first use and reused by every later task (an executor
 * runs many tasks, each image one). Tasks on one device take turns: a model is not safe for concurrent forwards (its
 * attention taps are per model), and under GPU scheduling each task has its own GPU, hence its own models, anyway.
 */
final class ExecutorModels {

	/** What a task does with the models. */
	interface Work<T> {
		T run(ModelSource models) throws Exception;
	}

	private static final Map<String, LoadedModels> MODELS = new HashMap<>();
	/** Every Stable Diffusion model handed out, to show that each was loaded once (tests read it). */
	private static final Set<Object> HANDED_OUT = Collections.synchronizedSet(Collections.newSetFromMap(
		new IdentityHashMap<>()));

	private ExecutorModels() {}

	static <T> T use(Device device, DataType dtype, Work<T> work) throws Exception {
		LoadedModels models;
		synchronized (MODELS) {
			if (MODELS.isEmpty()) {
				// as the command line does before any tensor: natives from the jars, the C allocator tuned
				if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
				org.diffseg.sd.NativeMemory.configure();
			}
			models = MODELS.computeIfAbsent(device + "/" + dtype, k -> new LoadedModels(device, dtype));
		}
		synchronized (models) {
			return work.run(new Counted(models));
		}
	}

	/** How many distinct Stable Diffusion models this JVM's tasks were given. */
	static int stableDiffusionModels() {
		return HANDED_OUT.size();
	}

	/** Frees every model (for tests, which run several jobs in one JVM; an executor keeps them until it exits). */
	static void closeAll() {
		synchronized (MODELS) {
			MODELS.values().forEach(LoadedModels::close);
			MODELS.clear();
			HANDED_OUT.clear();
		}
	}

	private record Counted(LoadedModels models) implements ModelSource {
		@Override
		public StableDiffusion stableDiffusion(Path folder) throws IOException {
			StableDiffusion sd = models.stableDiffusion(folder);
			HANDED_OUT.add(sd);
			return sd;
		}

		@Override
		public ClipModel clip(Path folder) throws IOException {
			return models.clip(folder);
		}

		@Override
		public ViTModel dino(Path folder) throws IOException {
			return models.dino(folder);
		}

		@Override
		public CategoryFilter categoryFilter(Path clipFolder) throws IOException {
			return models.categoryFilter(clipFolder);
		}
	}
}
