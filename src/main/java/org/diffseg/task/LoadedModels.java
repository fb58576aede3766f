package org.diffseg.task;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

/**
 * The default {@link ModelSource}: loads each model once on one device and frees them all on {@link #close()}, for a
 * run of the command line or a cluster job.
 */
public final class LoadedModels implements ModelSource, AutoCloseable {

	private interface Loader<T> {
		T load() throws IOException;
	}

	private final Device device;
	private final DataType dtype;
	private final Map<String, Object> loaded = new LinkedHashMap<>();

	public LoadedModels(Device device, DataType dtype) {
		this.device = device;
		this.dtype = dtype;
	}

	public Device device() {
		return device;
	}

	@SuppressWarnings("unchecked")
	private synchronized <T> T get(String kind, Path folder, Loader<T> loader) throws IOException {
		String key = kind + ":" + folder.toAbsolutePath().normalize();
		Object m = loaded.get(key);
		if (m == null) {
			m = loader.load();
			loaded.put(key, m);
		}
		return (T) m;
	}

	@Override
	public StableDiffusion stableDiffusion(Path folder) throws IOException {
		return get("sd", folder, () -> StableDiffusion.load(folder, device, dtype));
	}

	@Override
	public ClipModel clip(Path folder) throws IOException {
		return get("clip", folder, () -> ClipModel.load(folder, device, dtype));
	}

	@Override
	public ViTModel dino(Path folder) throws IOException {
		return get("dino", folder, () -> ViTModel.load(folder, device, dtype));
	}

	@Override
	public CategoryFilter categoryFilter(Path clipFolder) throws IOException {
		ClipModel model = clip(clipFolder);
		return get("category-filter", clipFolder, () -> new CategoryFilter(model, ClipTokenizer.load(clipFolder)));
	}

	/** Frees every model, the last loaded first. */
	@Override
	public synchronized void close() {
		List<Object> models = new ArrayList<>(loaded.values());
		loaded.clear();
		for (int i = models.size() - 1; i >= 0; i--) {
			if (models.get(i) instanceof AutoCloseable c) {
				try {
					c.close();
				}
				catch (Exception e) {
					// freeing native memory at the end of a run: nothing a user could do
				}
			}
		}
	}
}
