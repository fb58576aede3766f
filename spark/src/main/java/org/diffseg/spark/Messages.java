package org.diffseg.spark;

import org.diffseg.options.CommandLines;
import org.diffseg.run.DiffSegException;

/** One line for a failure, naming the cause and the fix with the jobs' options (they are the command line's). */
final class Messages {
	private Messages() {}

	static String describe(Throwable e) {
		Throwable t = CommandLines.meaningfulCause(e);
		String msg;
		if (t instanceof DiffSegException d && d.kind() == DiffSegException.Kind.SETTING)
			msg = CommandLines.describeSetting(d);
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
