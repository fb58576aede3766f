package org.diffseg.spark;

import java.util.Map;

/**
 * Which device a task computes on. Under Spark's GPU scheduling ({@code spark.task.resource.gpu.amount}) the task
 * uses the GPU Spark gave it, so that tasks sharing an executor never share a GPU; without it, the {@code --device}
 * choice (or DiffSeg's automatic one) as on the command line.
 */
final class TaskDevice {
	private TaskDevice() {}

	/**
	 * @param resources the task's resources by name ({@code TaskContext.resourcesJMap()}: "gpu" with its addresses)
	 * @param requested the --device text, or null
	 * @return a device text for {@code DeviceChoice}: "gpu:N" for the GPU Spark gave the task, else {@code requested}
	 *         (null: automatic)
	 */
	static String choose(Map<String, String[]> resources, String requested) {
		String[] gpus = resources == null ? null : resources.get("gpu");
		if (gpus == null || gpus.length == 0) return requested;
		if (requested != null && requested.trim().equalsIgnoreCase("cpu")) return "cpu";
		String address = gpus[0].trim();
		if (!address.matches("\\d+")) throw new IllegalArgumentException("Spark gave this task the GPU '" + address +
			"', which is not a GPU index: make the GPU discovery script print the indices nvidia-smi shows " +
			"(e.g. {\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}).");
		String given = "gpu:" + Integer.parseInt(address);
		if (requested != null && requested.trim().toLowerCase(java.util.Locale.ROOT).startsWith("gpu:") &&
			!requested.trim().equalsIgnoreCase(given))
			throw new IllegalArgumentException("--device " + requested.trim() + " conflicts with the GPU Spark gave " +
				"this task (" + given + "): leave --device out when Spark schedules GPUs.");
		return given;
	}
}
