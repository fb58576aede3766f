package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.sd.nn.Json;

/**
 * A transformers ViTModel folder ({@code facebook/dino-vitb8} layout: config.json with model_type vit, a
 * model.safetensors without prefix, preprocessor_config.json): the network, its image processor, and the native
 * memory of its weights (freed by {@link #close()}).
 */
public final class ViTModel implements AutoCloseable {
	public final VisionTransformer vision;
	public final ImagePreprocessor preprocessor;
	private final NDManager manager;

	private ViTModel(VisionTransformer vision, ImagePreprocessor preprocessor, NDManager manager) {
		this.vision = vision;
		this.preprocessor = preprocessor;
		this.manager = manager;
	}

	/** Loads the folder; a mismatch between config and weights ends in one error listing every problem. */
	public static ViTModel load(Path folder, Device device, DataType dtype) throws IOException {
		Json config = ModelFolder.config(folder);
		ModelFolder.requireType(config, "vit");
		VisionTransformer.Config c = VisionTransformer.Config.vit(config);
		ImagePreprocessor pre = ImagePreprocessor.read(folder.resolve("preprocessor_config.json"),
			ImagePreprocessor.Kind.VIT);
		return ModelFolder.load(folder, "ViTModel", device, dtype, (store, manager) -> new ViTModel(new VisionTransformer(
			store.scope(""), c), pre, manager));
	}

	@Override
	public void close() {
		manager.close();
		org.diffseg.sd.NativeMemory.release(); // the weights' memory back to the system
	}
}
