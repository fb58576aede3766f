package org.diffseg;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.diffseg.ovdiff.ModelFolderIdentity;
import org.diffseg.sd.Reference;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;
import org.diffseg.vit.VitFixtures;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One of the tiny fixture models, loaded before a test class's first test (and before its own {@code @BeforeAll}
 * methods) and closed after its last. A test class registers it as a static field and reads it with {@link #get()}:
 * <pre>{@code @RegisterExtension static final TinyModel<ClipModel> clip = TinyModel.clip();}</pre>
 *
 * @param <T> the model
 */
public final class TinyModel<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
	/** Loads the model of a folder. */
	private interface Loader<T> {
		T load(Path folder) throws IOException;
	}

	private final Path folder;
	private final Loader<T> loader;
	private T model;
	private String identity;

	private TinyModel(Path folder, Loader<T> loader) {
		this.folder = folder;
		this.loader = loader;
	}

	/** The tiny CLIP (models/tiny-vit/tiny-clip) on the CPU in float32. */
	public static TinyModel<ClipModel> clip() {
		return new TinyModel<>(VitFixtures.CLIP, f -> ClipModel.load(f, Device.cpu(), DataType.FLOAT32));
	}

	/** The tiny DINO ViT (models/tiny-vit/tiny-dino) on the CPU in float32. */
	public static TinyModel<ViTModel> dino() {
		return new TinyModel<>(VitFixtures.DINO, f -> ViTModel.load(f, Device.cpu(), DataType.FLOAT32));
	}

	/** The tiny Stable Diffusion (models/tiny-sd-a), loaded as StableDiffusion.load does by default. */
	public static TinyModel<StableDiffusion> sd() {
		return new TinyModel<>(Reference.TINY_SD, StableDiffusion::load);
	}

	@Override
	public void beforeAll(ExtensionContext context) throws IOException {
		model = loader.load(folder);
	}

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		try {
			if (model != null) model.close();
		} finally {
			model = null;
		}
	}

	/** The loaded model; only between the class's first and last test (and in its {@code @BeforeAll} methods). */
	public T get() {
		if (model == null) throw new IllegalStateException("the tiny model " + folder + " is loaded only while a " +
			"test class that registers it runs");
		return model;
	}

	/** The folder the model is loaded from. */
	public Path folder() {
		return folder;
	}

	/** The folder's {@link ModelFolderIdentity}, computed once. */
	public String identity() {
		if (identity == null) {
			try {
				identity = ModelFolderIdentity.of(folder);
			}
			catch (IOException e) {
				throw new UncheckedIOException(e);
			}
		}
		return identity;
	}
}
