package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.WeightFiles;

/** Adapts weight files to {@link WeightStore.TensorSource}. */
public final class WeightSources {
	private WeightSources() {}

	public static WeightStore.TensorSource of(WeightFiles files) {
		return of(files.tensors(), files::load);
	}

	public static WeightStore.TensorSource of(SafeTensors file) {
		return of(file.tensors(), file::load);
	}

	/** How either kind of weight file loads one tensor. */
	private interface Loader {
		NDArray load(NDManager manager, String name, DataType floatType) throws IOException;
	}

	private static WeightStore.TensorSource of(Map<String, SafeTensors.TensorInfo> tensors, Loader loader) {
		Map<String, long[]> shapes = new LinkedHashMap<>();
		for (SafeTensors.TensorInfo t : tensors.values()) shapes.put(t.name(), t.shape());
		return new WeightStore.TensorSource() {
			@Override
			public Map<String, long[]> shapes() {
				return shapes;
			}

			@Override
			public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
				return loader.load(manager, name, floatType);
			}
		};
	}
}
