package org.diffseg.options;

import ai.djl.ndarray.types.DataType;

import java.io.Serializable;
import java.util.Locale;

import picocli.CommandLine.Option;

/** --dtype: the type the weights are computed in, for every command and job that runs a network. */
public final class DataTypeOption implements Serializable {
	private static final long serialVersionUID = 1L;

	@Option(names = "--dtype", defaultValue = "float32", description = "float32 (default), float16, bfloat16 (GPU only).")
	String dtype = "float32";

	/** The type chosen; a misspelt one is refused with the choices. */
	public DataType dtype() {
		return switch (dtype.toLowerCase(Locale.ROOT)) {
			case "float32", "fp32" -> DataType.FLOAT32;
			case "float16", "fp16", "half" -> DataType.FLOAT16;
			case "bfloat16", "bf16" -> DataType.BFLOAT16;
			default -> throw new IllegalArgumentException("unknown --dtype '" + dtype + "': use float32, float16 or " +
				"bfloat16.");
		};
	}
}
