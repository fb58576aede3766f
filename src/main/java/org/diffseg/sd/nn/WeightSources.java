package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.WeightFiles;

/** Adapts weight files to {@link ParameterStore.TensorSource}. */
public final class WeightSources {
	private WeightSources() {}

	public static ParameterStore.TensorSource of(WeightFiles files) {
		Map<String, long[]> shapes = new LinkedHashMap<>();
		for (SafeTensors.TensorInfo t : files.tensors().values()) shapes.put(t.name(), t.shape());
		return new ParameterStore.TensorSource() {
			@Override
			public Map<String, long[]> shapes() {
				return shapes;
			}

			@Override
			public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
				return files.load(manager, name, floatType);
			}
		};
	}

	public static ParameterStore.TensorSource of(SafeTensors file) {
		Map<String, long[]> shapes = new LinkedHashMap<>();
		for (SafeTensors.TensorInfo t : file.tensors().values()) shapes.put(t.name(), t.shape());
		return new ParameterStore.TensorSource() {
			@Override
			public Map<String, long[]> shapes() {
				return shapes;
			}

			@Override
			public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
				return file.load(manager, name, floatType);
			}
		};
	}
}
