package org.diffseg.fiji;

import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.MenuPath;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.display.DisplayPostprocessor;
import org.scijava.log.LogService;
import org.scijava.module.Module;
import org.scijava.module.ModuleRunner;
import org.scijava.module.ModuleService;
import org.scijava.module.process.InitPreprocessor;
import org.scijava.module.process.ModulePostprocessor;
import org.scijava.module.process.ModulePreprocessor;
import org.scijava.module.process.PostprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.module.process.SaveInputsPreprocessor;
import org.scijava.plugin.PluginService;

import ij.IJ;
import ij.Macro;
import ij.Menus;
import ij.macro.Interpreter;
import net.imagej.patcher.EssentialLegacyHooks;
import net.imagej.patcher.LegacyInjector;

/**
 * Makes DiffSeg's SciJava commands reachable from ImageJ 1.x macros outside Fiji (tests, {@code diffseg macro}), the
 * way Fiji's legacy layer does it inside Fiji: every command under {@code Plugins > DiffSeg} is registered in ImageJ's
 * command table under its menu label, exactly (a label ending in "..." is called with the dots, as in Fiji and as the
 * recorder writes it: ImageJ matches command names exactly), hooks installed in the patched ImageJ 1.x
 * intercept {@code run("Label", "options")}, and the command runs through SciJava's module machinery on the calling
 * thread with the options as its inputs ({@link MacroInputs}) and its outputs handed back to ImageJ
 * ({@link MacroOutputs}).
 * <p>
 * A failure ends in one message: {@code IJ.error} in a GUI, the Log in batch mode or headless, and the macro is
 * aborted. Call {@link ImageJ1Patch#ensurePatched()} before this class is used; inside Fiji do not install it at all.
 */
public final class LegacyBridge implements AutoCloseable {

	/** The class name the command table maps DiffSeg commands to; the command's class is the argument. */
	static final String MARKER = LegacyBridge.class.getName();

	private static LegacyBridge active;

	private final Context context;
	private final ModuleService modules;
	private final PluginService plugins;
	private final LogService log;
	private final Map<String, CommandInfo> byName = new LinkedHashMap<>();
	private final Map<String, CommandInfo> byClass = new LinkedHashMap<>();
	private final Hooks hooks = new Hooks();
	private volatile Consumer<String> logListener;
	private volatile String failure;

	private LegacyBridge(Context context) {
		this.context = context;
		this.modules = context.service(ModuleService.class);
		this.plugins = context.service(PluginService.class);
		this.log = context.service(LogService.class);
		for (CommandInfo info : context.service(CommandService.class).getCommands()) {
			MenuPath path = info.getMenuPath();
			if (path == null || path.size() < 3 || !"Plugins".equals(path.get(0).getName()) ||
				!"DiffSeg".equals(path.get(1).getName())) continue;
			String label = path.getLeaf().getName().strip();
			byClass.put(info.getDelegateClassName(), info);
			byName.put(label, info);
		}
	}

	/**
	 * Installs the bridge for the given context, replacing any previous one, and returns it; close it to uninstall.
	 *
	 * @throws IllegalStateException when another legacy layer (Fiji's) owns ImageJ 1.x: there the commands are
	 *         reachable from macros already
	 */
	public static synchronized LegacyBridge install(Context context) {
		ImageJ1Patch.ensurePatched();
		Object current = currentHooks();
		if (current != null && current.getClass() != EssentialLegacyHooks.class && !(current instanceof Hooks))
			throw new IllegalStateException("ImageJ 1.x is already run by another legacy layer (" +
				current.getClass().getName() + "), as inside Fiji: there DiffSeg's commands are reachable from macros " +
				"without this bridge.");
		if (active != null) active.close();
		LegacyBridge bridge = new LegacyBridge(context);
		LegacyInjector.installHooks(LegacyBridge.class.getClassLoader(), bridge.hooks);
		bridge.register();
		active = bridge;
		return bridge;
	}

	private static Object currentHooks() {
		try {
			return IJ.class.getField("_hooks").get(null);
		}
		catch (ReflectiveOperationException e) {
			throw new IllegalStateException("ImageJ 1.x is not patched: call ImageJ1Patch.ensurePatched() first.", e);
		}
	}

	/** The names a macro can {@code run}, each with the class of its command. */
	public Map<String, String> commands() {
		Map<String, String> names = new LinkedHashMap<>();
		byName.forEach((name, info) -> names.put(name, info.getDelegateClassName()));
		return Collections.unmodifiableMap(names);
	}

	/** Receives every line written to ImageJ's Log (null: none); {@code diffseg macro} and the tests read the Log so. */
	public void setLogListener(Consumer<String> listener) {
		logListener = listener;
	}

	/** The message of the last failure since the previous call, or null; the macro was aborted with it. */
	public String takeFailure() {
		String f = failure;
		failure = null;
		return f;
	}

	@Override
	public void close() {
		synchronized (LegacyBridge.class) {
			if (active != this) return;
			active = null;
			// restores ImageJ's essential hooks; ours are disposed, which unregisters the commands
			LegacyInjector.installHooks(LegacyBridge.class.getClassLoader(), null);
		}
	}

	/** Puts the commands in ImageJ's command table, which exists once ImageJ is initialised (hence the hooks). */
	private void register() {
		Hashtable<String, String> table = Menus.getCommands();
		if (table == null) return;
		byName.forEach((name, info) -> {
			String entry = MARKER + "(\"" + info.getDelegateClassName() + "\")";
			String existing = table.get(name);
			if (existing == null || existing.startsWith(MARKER)) table.put(name, entry);
			else log.warn("DiffSeg: the ImageJ command '" + name + "' exists already (" + existing + "); not replaced.");
		});
	}

	/** The command's name in messages: its menu label without the dialog dots. */
	private static String title(CommandInfo info) {
		String label = info.getMenuPath().getLeaf().getName().strip();
		return label.endsWith("...") ? label.substring(0, label.length() - 3).strip() : label;
	}

	private void unregister() {
		Hashtable<String, String> table = Menus.getCommands();
		if (table != null) table.values().removeIf(v -> v.startsWith(MARKER));
	}

	/** Runs a command for {@code run(label, options)}; failures are reported and abort the macro. */
	private Module runFromMacro(String className) {
		CommandInfo info = byClass.get(className);
		String name = info == null ? className : title(info);
		try {
			if (info == null) throw new IllegalStateException("no DiffSeg command " + className + " is installed.");
			return run(info, name, MacroOptions.parse(Macro.getOptions()));
		}
		catch (Throwable t) {
			log.debug(t);
			fail(name + ": " + UserMessages.describe(t));
			return null;
		}
	}

	/**
	 * SciJava's module steps, called one by one rather than through {@code ModuleRunner.run()}, which would log a
	 * failure's stack trace before the one-line message.
	 */
	private Module run(CommandInfo info, String name, MacroOptions options) {
		Module module = modules.createModule(info);
		ModuleRunner runner = new ModuleRunner(context, module, preprocessors(name, options), postprocessors());
		ModulePreprocessor canceler = runner.preProcess();
		if (canceler != null) throw new CancellationException(canceler.getCancelReason());
		module.run();
		if (module instanceof Cancelable c && c.isCanceled()) throw new CancellationException(c.getCancelReason());
		runner.postProcess();
		MacroOutputs.show(module);
		return module;
	}

	/**
	 * SciJava's preprocessors (services, initializers, validation...) with the macro's options applied right after the
	 * initializers; without saving the inputs, so a macro never changes what a dialog remembers.
	 */
	private List<ModulePreprocessor> preprocessors(String name, MacroOptions options) {
		List<ModulePreprocessor> pre = new ArrayList<>();
		int afterInit = 0;
		for (PreprocessorPlugin p : plugins.createInstancesOfType(PreprocessorPlugin.class)) {
			if (p instanceof SaveInputsPreprocessor) continue;
			pre.add(p);
			if (p instanceof InitPreprocessor) afterInit = pre.size();
		}
		pre.add(afterInit, new MacroInputs(context, name, options));
		return pre;
	}

	/** SciJava's postprocessors except its display step: {@link MacroOutputs} hands the outputs to ImageJ instead. */
	private List<ModulePostprocessor> postprocessors() {
		List<ModulePostprocessor> post = new ArrayList<>();
		for (PostprocessorPlugin p : plugins.createInstancesOfType(PostprocessorPlugin.class))
			if (!(p instanceof DisplayPostprocessor)) post.add(p);
		return post;
	}

	/**
	 * The text broken at spaces into lines of at most {@code width} characters (a longer word stays whole): ImageJ's
	 * message dialog is as wide as its longest line, 2450 px for a list of unknown keys on one line.
	 */
	static String wrap(String text, int width) {
		StringBuilder out = new StringBuilder();
		for (String paragraph : text.split("\n", -1)) {
			if (out.length() > 0) out.append('\n');
			int lineLength = 0;
			for (String word : paragraph.split(" ")) {
				if (lineLength > 0 && lineLength + 1 + word.length() > width) {
					out.append('\n');
					lineLength = 0;
				}
				else if (lineLength > 0) {
					out.append(' ');
					lineLength++;
				}
				out.append(word);
				lineLength += word.length();
			}
		}
		return out.toString();
	}

	/** One message, and the macro (if any) stops: ImageJ's error dialog in a GUI, the Log in batch mode or headless. */
	private void fail(String message) {
		failure = message;
		if (!GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode()) {
			IJ.error("DiffSeg", wrap(message, 90)); // aborts the calling macro too
			return;
		}
		IJ.log("DiffSeg: " + message);
		Interpreter macro = Interpreter.getInstance();
		if (macro != null) macro.abort(message);
	}

	/** ImageJ 1.x's extension points, on top of the essential ones. */
	private final class Hooks extends EssentialLegacyHooks {

		@Override
		public Object interceptRunPlugIn(String className, String arg) {
			if (!MARKER.equals(className)) return super.interceptRunPlugIn(className, arg);
			Module module = runFromMacro(arg);
			// non-null tells ImageJ the call was handled
			return module != null ? module : LegacyBridge.this;
		}

		@Override
		public void initialized() {
			super.initialized();
			register();
		}

		@Override
		public void runAfterRefreshMenus() {
			super.runAfterRefreshMenus();
			register();
		}

		@Override
		public void log(String message) {
			Consumer<String> listener = logListener;
			if (listener != null && message != null) listener.accept(message);
		}

		@Override
		public void dispose() {
			unregister();
			super.dispose();
		}
	}
}
