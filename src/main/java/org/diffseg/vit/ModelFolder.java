package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;

/** The files of a Hugging Face model folder (transformers layout: config.json + model.safetensors). */
final class ModelFolder {
	private ModelFolder() {}

	static Json config(Path folder) throws IOException {
		if (!Files.isDirectory(folder)) throw new IOException(folder + " is not a folder: give the folder of a " +
			"Hugging Face model (with config.json and model.safetensors).");
		return Json.read(folder.resolve("config.json"));
	}

	/** Requires {@code model.safetensors}; pickled weights are refused, with the fix. */
	static SafeTensors weights(Path folder) throws IOException {
		Path file = folder.resolve("model.safetensors");
		if (Files.isRegularFile(file)) return SafeTensors.open(file);
		for (String pickled : new String[] { "pytorch_model.bin", "model.bin" })
			if (Files.exists(folder.resolve(pickled))) SafeTensors.refusePickle(folder.resolve(pickled));
		if (Files.exists(folder.resolve("model.safetensors.index.json"))) throw new IOException(folder +
			" holds sharded weights (model.safetensors.index.json); the vision models need a single model.safetensors.");
		throw new IOException(folder + " has no model.safetensors: download the model's safetensors weights into it.");
	}

	/** The config's {@code model_type}, checked against what the caller loads. */
	static void requireType(Json config, String... accepted) throws IOException {
		String type = config.getString("model_type", "");
		for (String a : accepted) if (a.equals(type)) return;
		throw new IOException(config.file() + " describes a '" + type + "' model, not " + String.join(" or ", accepted) +
			": give the folder of a " + String.join(" / ", accepted) + " model.");
	}

	/** Builds a model on the parameters of a store (its weights not yet finished) in the model's own manager. */
	interface Builder<T> {
		T build(WeightStore store, NDManager manager) throws IOException;
	}

	/**
	 * Loads the folder's weights into a new manager on {@code device} and builds the model on them; a mismatch
	 * between config and weights ends in one error listing every problem, and a failure frees the manager.
	 *
	 * @param label the model class named in the store's messages, e.g. ViTModel
	 */
	static <T> T load(Path folder, String label, Device device, DataType dtype, Builder<T> builder)
		throws IOException
	{
		NDManager manager = NDManager.newBaseManager(device);
		try (SafeTensors weights = weights(folder)) {
			WeightStore store = new WeightStore(folder.getFileName() + " (" + label + ")", WeightSources.of(weights),
				manager, device, dtype);
			T model = builder.build(store, manager);
			store.finish();
			return model;
		}
		catch (IOException | RuntimeException e) {
			manager.close();
			throw e;
		}
	}
}
