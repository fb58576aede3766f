package org.diffseg.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import org.diffseg.options.DataTypeOption;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --device and --dtype, shared by every command that runs a network. */
public final class DeviceOptions {

	/** The device option's name, which is also how the engine's device messages name the setting. */
	static final String DEVICE = "--device";

	@Option(names = DEVICE, description = "cpu, gpu or gpu:N (default: DIFFSEG_DEVICE, else the GPU with the most " +
		"free memory when there is one, else cpu).")
	String device;

	@Mixin
	DataTypeOption dtype = new DataTypeOption();

	public Device device() {
		return org.diffseg.gpu.DeviceChoice.choose(device, DEVICE, null).device();
	}

	public DataType dtype() {
		return dtype.dtype();
	}
}
