package org.diffseg.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Resident memory of this process (Linux /proc; -1 elsewhere) and a tiny JSON writer for flat results. */
final class Memory {
	private Memory() {}

	static long residentBytes() {
		return statusField("VmRSS:");
	}

	/** The high-water mark of resident memory since the process started. */
	static long peakResidentBytes() {
		return statusField("VmHWM:");
	}

	/**
	 * User and kernel (sys) CPU seconds of this process so far, all threads ({@code /proc/self/stat}, in USER_HZ = 100
	 * ticks per second); null where unknown.
	 */
	static double[] cpuSeconds() {
		try {
			String stat = Files.readString(Path.of("/proc/self/stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
			// after "pid (comm) ": state is field 3, utime 14, stime 15
			return new double[] { Long.parseLong(f[11]) / 100.0, Long.parseLong(f[12]) / 100.0 };
		}
		catch (IOException | RuntimeException e) {
			return null;
		}
	}

	/** A stopwatch over wall, user and sys time; {@link #put} writes what passed since it started. */
	static final class CpuClock {
		private final long wall = System.nanoTime();
		private final double[] cpu = cpuSeconds();

		/** Puts PREFIX_wall_s, PREFIX_user_s, PREFIX_sys_s and PREFIX_sys_share (of user + sys) into {@code json}. */
		void put(Map<String, Object> json, String prefix) {
			json.put(prefix + "wall_s", round((System.nanoTime() - wall) / 1e9));
			double[] now = cpuSeconds();
			if (now == null || cpu == null) return;
			double user = now[0] - cpu[0], sys = now[1] - cpu[1];
			json.put(prefix + "user_s", round(user));
			json.put(prefix + "sys_s", round(sys));
			json.put(prefix + "sys_share", user + sys > 0 ? Math.round(1000 * sys / (user + sys)) / 1000.0 : null);
		}

		private static double round(double s) {
			return Math.round(s * 100) / 100.0;
		}
	}

	private static long statusField(String key) {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status")))
				if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
		}
		catch (IOException | RuntimeException e) {
			// not Linux: unknown
		}
		return -1;
	}

	static String toJson(Map<String, Object> map) {
		StringBuilder b = new StringBuilder("{");
		for (Map.Entry<String, Object> e : map.entrySet()) {
			if (b.length() > 1) b.append(", ");
			b.append('"').append(e.getKey()).append("\": ");
			Object v = e.getValue();
			if (v == null) b.append("null");
			else if (v instanceof Number || v instanceof Boolean) b.append(v);
			else if (v instanceof Map<?, ?> sub) {
				@SuppressWarnings("unchecked")
				Map<String, Object> typed = (Map<String, Object>) sub;
				b.append(toJson(typed));
			}
			else b.append(new com.google.gson.JsonPrimitive(v.toString()));
		}
		return b.append('}').toString();
	}
}
