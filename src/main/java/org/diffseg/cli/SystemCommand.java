package org.diffseg.cli;


import org.diffseg.gpu.DeviceRequest;
import org.diffseg.gpu.SystemReport;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code diffseg system}: what DiffSeg will compute on, and why not on a GPU when it does not. Exits with 1 (after the
 * report) when the requested device cannot be used.
 */
@Command(name = "system", mixinStandardHelpOptions = true,
	description = "Report Java, the deep-learning engine, CUDA and GPUs, and the device DiffSeg will use.")
public final class SystemCommand extends Subcommand {

	@Option(names = DeviceOptions.DEVICE, paramLabel = "DEVICE", converter = DeviceText.class,
		description = "auto, cpu, gpu or gpu:N (overrides the environment variable " + DeviceRequest.ENV + ").")
	String device;

	@Option(names = "--json", description = "Print the report as JSON.")
	boolean json;

	@Override
	public Integer call() {
		DeviceRequest request;
		try {
			request = DeviceRequest.resolve(device, DeviceOptions.DEVICE, null, System::getenv);
		}
		catch (IllegalArgumentException e) { // a malformed DIFFSEG_DEVICE
			throw new UserError(e.getMessage(), e);
		}
		SystemReport report = SystemReport.collect(request);
		var out = out();
		out.println(json ? report.toJson() : report.toText());
		out.flush();
		if (report.deviceError() != null) throw new UserError(report.deviceError());
		return DiffSegCli.EXIT_OK;
	}

	/** Rejects a malformed --device as a usage error (exit 2) before anything is probed. */
	static final class DeviceText implements ITypeConverter<String> {
		@Override
		public String convert(String value) {
			try {
				DeviceRequest.parse(value, DeviceOptions.DEVICE);
				return value;
			}
			catch (IllegalArgumentException e) {
				throw new CommandLine.TypeConversionException(e.getMessage());
			}
		}
	}
}
