package org.diffseg.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import picocli.CommandLine.Option;

/** --device and --dtype, shared by every command that runs a network. */
public final class DeviceOptions {

	/** The device option's name, which is also how the engine's device messages name the setting. */
	static final String DEVICE = "--device";

	@Option(names = DEVICE, description = "cpu, gpu or gpu:N (default: DIFFSEG_DEVICE, else the GPU with the most " +
		"free memory when there is one, else cpu).")
	String device;

	@Option(names = "--dtype", defaultValue = "float32", description = "float32 (default), float16, bfloat16 (GPU only).")
	String dtype;

	public Device device() {
		return org.diffseg.gpu.DeviceChoice.choose(device, DEVICE, null).device();
	}

	public DataType dtype() {
		return switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
			case "float32", "fp32" -> DataType.FLOAT32;
			case "float16", "fp16", "half" -> DataType.FLOAT16;
			case "bfloat16", "bf16" -> DataType.BFLOAT16;
			default -> throw new UserError("unknown --dtype '" + dtype + "': use float32, float16 or bfloat16.");
		};
	}
}
