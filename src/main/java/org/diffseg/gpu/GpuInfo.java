package org.diffseg.gpu;

import java.util.Locale;

/**
 * One CUDA device as the CUDA runtime numbers it (the number DJL's {@code Device.gpu(n)} takes).
 *
 * @param totalBytes total memory
 * @param freeBytes free memory now, -1 when unknown
 * @param computeCapability e.g. "8.6"
 * @param pciBusId domain:bus:device, e.g. "0000:3b:00"
 */
public record GpuInfo(int index, String name, long totalBytes, long freeBytes, String computeCapability,
	String pciBusId)
{
	/** Bytes as GiB with one decimal, e.g. "23.6 GiB"; "unknown" for negative values. */
	public static String gib(long bytes) {
		return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
	}

	/** e.g. "gpu:0 NVIDIA RTX A5000 (compute 8.6, 23.6 GiB, 22.1 GiB free)". */
	@Override
	public String toString() {
		return "gpu:" + index + " " + name + " (compute " + computeCapability + ", " + gib(totalBytes) + ", " +
			gib(freeBytes) + " free)";
	}
}
