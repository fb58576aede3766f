package org.diffseg.spark;

import java.util.Map;

import org.diffseg.io.OutputFolder;
import org.diffseg.run.DiffSegException;

/** One line for a failure, naming the cause and the fix with the jobs' options (they are the command line's). */
final class Messages {
	private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("bank", "--bank"),
		Map.entry("model", "--model"), Map.entry("shorter side", "--shorter-side"), Map.entry("slice", "--slice"),
		Map.entry("frame", "--frame"), Map.entry("channels", "--channel"), Map.entry("stuff", "--stuff and --thing"),
		Map.entry("prompts", "--prompt"), Map.entry("prompt", "--prompt"), Map.entry("splitter", "--splitter"),
		Map.entry("classes", "--class"), Map.entry(OutputFolder.OVERWRITE, "--overwrite"),
		Map.entry(OutputFolder.OUTPUT_FOLDER, "--out"));

	private Messages() {}

	static String describe(Throwable e) {
		Throwable t = e;
		while (t.getCause() != null && !(t instanceof DiffSegException) && !(t instanceof java.io.IOException) &&
			(t.getMessage() == null || t.getMessage().isBlank() || t.getClass() == RuntimeException.class))
			t = t.getCause();
		String msg;
		if (t instanceof DiffSegException d && d.kind() == DiffSegException.Kind.SETTING) {
			String flag = FLAGS.get(d.detail(DiffSegException.SETTING));
			msg = d.problem() + (flag == null ? "" : " (" + flag + ")") + d.fixWith("");
		}
		else if (t instanceof OutOfMemoryError) msg = "out of memory: " + t.getMessage() + ". Give executors more " +
			"memory (spark.executor.memory), or run fewer tasks per executor.";
		else {
			msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
			if (!(t instanceof IllegalArgumentException) && !(t instanceof java.io.IOException))
				msg = t.getClass().getSimpleName() + ": " + msg;
		}
		return msg.replace('\n', ' ').replace('\r', ' ');
	}
}
