package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.MenuPath;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.ModuleItem;

/**
 * Every DiffSeg command's macro keys work in Fiji. Fiji reads each parameter with ImageJ's
 * {@code Macro.getValue(options, name, default)}, which lower-cases the name and accepts a match preceded by anything
 * but a letter: a key with capitals is never found, and {@code threshold} would read the value of
 * {@code mask_threshold=} when that comes first.
 */
class CommandKeysTest {

	@Test
	void keysAreLowerSnakeCaseAndNoneHidesInAnother() {
		List<String> problems = new ArrayList<>();
		Set<String> labels = new HashSet<>();
		try (Context context = new Context(CommandService.class)) {
			for (CommandInfo info : context.service(CommandService.class).getCommands()) {
				MenuPath path = info.getMenuPath();
				if (path == null || path.size() < 3 || !path.get(1).getName().equals("DiffSeg")) continue;
				String label = path.getLeaf().getName();
				if (!labels.add(label.replaceAll("\\.\\.\\.$", ""))) problems.add("two commands are called " + label);
				List<String> keys = new ArrayList<>();
				for (ModuleItem<?> item : info.inputs())
					if (MacroInputs.settable(item)) keys.add(item.getName());
				for (String key : keys) {
					if (!key.matches("[a-z][a-z0-9_]*")) problems.add(label + ": '" + key + "' is not lower snake_case");
					for (String other : keys)
						if (!other.equals(key) && other.endsWith(key) &&
							!Character.isLetter(other.charAt(other.length() - key.length() - 1)))
							problems.add(label + ": '" + key + "' would read the value of '" + other + "' in Fiji");
				}
			}
		}
		assertTrue(labels.contains("System Check"), "commands seen: " + labels);
		assertTrue(problems.isEmpty(), String.join("\n", problems));
	}
}
