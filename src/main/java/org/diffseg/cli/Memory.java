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
