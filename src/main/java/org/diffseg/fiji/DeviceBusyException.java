package org.diffseg.fiji;

/** A second DiffSeg run asked for a device that a run on another thread holds. */
public class DeviceBusyException extends IllegalStateException {

	private final String device;

	public DeviceBusyException(String device) {
		super("another DiffSeg run is using the " + (device.startsWith("cpu") ? "CPU" : "GPU (" + device + ")") +
			"; wait for it or cancel it.");
		this.device = device;
	}

	public String device() {
		return device;
	}
}
