package org.diffseg.sd.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/** A WeightStore over tensors a test made itself (named as in a checkpoint). */
public final class TestParams {
	private TestParams() {}

	public static WeightStore of(NDManager manager, Map<String, NDArray> tensors) {
		return of(manager, tensors, DataType.FLOAT32);
	}

	/** The same, holding the parameters as {@code floatType}. */
	public static WeightStore of(NDManager manager, Map<String, NDArray> tensors, DataType floatType) {
		Map<String, long[]> shapes = new LinkedHashMap<>();
		tensors.forEach((n, a) -> shapes.put(n, a.getShape().getShape()));
		WeightStore.TensorSource source = new WeightStore.TensorSource() {
			@Override
			public Map<String, long[]> shapes() {
				return shapes;
			}

			@Override
			public NDArray load(NDManager m, String name, DataType floatType) {
				return tensors.get(name).toType(floatType, true);
			}
		};
		return new WeightStore("test", source, manager, Device.cpu(), floatType);
	}
}
