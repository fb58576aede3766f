package org.diffseg.fiji;

import java.io.File;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.scijava.Context;
import org.scijava.ItemVisibility;
import org.scijava.convert.ConvertService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.service.Service;
import org.scijava.util.Types;

import ij.ImagePlus;
import ij.WindowManager;

/**
 * Sets a command's inputs from a macro's options as Fiji's legacy layer does (the key is the parameter name, the value
 * is converted to its type, an {@code ImagePlus} input is the current image unless its key names an open image by
 * title), with two differences that make a macro mean the same everywhere: a key left out keeps the command's default,
 * never a value remembered from a dialog, and every value Fiji would silently drop (an unknown key, a value of the
 * wrong type, a choice not offered) is an {@link IllegalArgumentException} naming the key and what it accepts. It runs
 * after the command's initializers, so a value given always wins, and resolves every input, so no dialog appears.
 */
final class MacroInputs extends AbstractPreprocessorPlugin {

	private final String command;
	private final MacroOptions options;

	MacroInputs(Context context, String command, MacroOptions options) {
		setContext(context);
		this.command = command;
		this.options = options;
	}

	@Override
	public void process(Module module) {
		List<ModuleItem<?>> inputs = new ArrayList<>();
		List<String> keys = new ArrayList<>();
		for (ModuleItem<?> item : module.getInfo().inputs())
			if (settable(item)) {
				inputs.add(item);
				keys.add(item.getName());
			}
		for (String key : options.keys())
			if (!keys.contains(key)) throw new IllegalArgumentException("'" + command + "' has no key '" + key + "'. " +
				(keys.isEmpty() ? "It takes no options." : "Its keys are: " + String.join(", ", keys) + "."));
		for (ModuleItem<?> item : inputs) {
			if (module.isInputResolved(item.getName())) continue;
			module.setInput(item.getName(), value(module, item));
			module.resolveInput(item.getName());
		}
	}

	/** Inputs a macro can give: services and the context are injected, messages are labels. */
	static boolean settable(ModuleItem<?> item) {
		Class<?> type = item.getType();
		return !Service.class.isAssignableFrom(type) && !Context.class.isAssignableFrom(type) &&
			item.getVisibility() != ItemVisibility.MESSAGE;
	}

	private Object value(Module module, ModuleItem<?> item) {
		String key = item.getName();
		Class<?> type = Types.box(item.getType());
		if (ImagePlus.class.isAssignableFrom(type)) return image(item);
		String text = options.value(key);
		if (text == null) return item.getValue(module);
		if (type == Boolean.class) {
			if (text.equalsIgnoreCase("true")) return true;
			if (text.equalsIgnoreCase("false")) return false;
			throw new IllegalArgumentException(key + "=" + text + ": '" + key + "' is a checkbox: write " + key + "=true or " +
				key + "=false.");
		}
		Object value = convert(item, type, text);
		checkRange(item, value, text);
		return checkChoice(item, value);
	}

	private ImagePlus image(ModuleItem<?> item) {
		String title = options.value(item.getName());
		ImagePlus imp = title == null ? WindowManager.getCurrentImage() : WindowManager.getImage(title);
		if (imp == null && title != null) throw new IllegalArgumentException("there is no open image titled \"" + title +
			"\": open it first, or leave '" + item.getName() + "' out to use the current image.");
		if (imp == null && item.isRequired()) throw new IllegalArgumentException("there is no image open: open an " +
			"image first ('" + command + "' works on the current image).");
		return imp;
	}

	private Object convert(ModuleItem<?> item, Class<?> type, String text) {
		String key = item.getName();
		try {
			if (type == String.class) return text;
			if (type == Integer.class) return Integer.valueOf(text.trim());
			if (type == Long.class) return Long.valueOf(text.trim());
			if (type == Short.class) return Short.valueOf(text.trim());
			if (type == Byte.class) return Byte.valueOf(text.trim());
			if (type == Double.class) return Double.valueOf(text.trim());
			if (type == Float.class) return Float.valueOf(text.trim());
			if (type == File.class) return new File(text);
			if (type == Path.class) return Path.of(text);
			if (type.isEnum()) return enumConstant(item, type, text);
		}
		catch (NumberFormatException e) {
			boolean whole = type == Integer.class || type == Long.class || type == Short.class || type == Byte.class;
			throw new IllegalArgumentException(key + "=" + text + ": '" + key + "' must be " + (whole ? "a whole number" :
				"a number") + ".");
		}
		catch (InvalidPathException e) {
			throw new IllegalArgumentException(key + "=" + text + ": not a valid path (" + e.getReason() + ").");
		}
		ConvertService convert = context().getService(ConvertService.class);
		Object value = convert == null ? null : convert.convert(text, type);
		if (value == null) throw new IllegalArgumentException("'" + key + "' (" + type.getSimpleName() +
			") cannot be given in a macro; leave it out.");
		return value;
	}

	private static Object enumConstant(ModuleItem<?> item, Class<?> type, String text) {
		List<String> names = new ArrayList<>();
		for (Object constant : type.getEnumConstants()) {
			if (constant.toString().equals(text) || ((Enum<?>) constant).name().equals(text))
				return constant;
			names.add(constant.toString());
		}
		throw new IllegalArgumentException(item.getName() + "=" + text + ": choose one of " + String.join(", ", names) + ".");
	}

	private static void checkRange(ModuleItem<?> item, Object value, String text) {
		if (!(value instanceof Number number)) return;
		Object min = item.getMinimumValue(), max = item.getMaximumValue();
		double v = number.doubleValue();
		boolean low = min instanceof Number m && v < m.doubleValue(), high = max instanceof Number m && v > m.doubleValue();
		if (Double.isNaN(v) || low || high) throw new IllegalArgumentException(item.getName() + "=" + text + ": '" +
			item.getName() + "' must be " + (min instanceof Number && max instanceof Number ? "between " + min + " and " + max :
				min instanceof Number ? "at least " + min : max instanceof Number ? "at most " + max : "a number") + ".");
	}

	/** A dropdown's value must be one of its choices, exactly (the command compares it so). */
	private static Object checkChoice(ModuleItem<?> item, Object value) {
		List<?> choices = item.getChoices();
		if (choices == null || choices.isEmpty() || !(value instanceof String text)) return value;
		for (Object choice : choices)
			if (String.valueOf(choice).equals(text)) return choice;
		List<String> names = new ArrayList<>();
		for (Object choice : choices) names.add(String.valueOf(choice));
		throw new IllegalArgumentException(item.getName() + "=" + text + ": choose one of " + String.join(", ", names) + ".");
	}
}
