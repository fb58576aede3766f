package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.log.LogLevel;
import org.scijava.log.LogService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.event.ModuleCanceledEvent;
import org.scijava.script.AdaptedScriptLanguage;
import org.scijava.script.ScriptInfo;
import org.scijava.script.ScriptLanguage;
import org.scijava.script.ScriptModule;
import org.scijava.script.ScriptService;

/**
 * Runs every Fiji script plugin in {@code plugins/} through SciJava's ScriptService, as Fiji does; Groovy comes from
 * Groovy's own JSR-223 engine, adapted by {@link GroovyLanguage} as Fiji's scripting-groovy does. Inputs named like the macro arguments (model, vit, input,
 * output) get the test's folders; the {@link Expectations} written in each script are checked.
 */
class ScriptsTest {

	private static Context context;
	private static ScriptService scripts;

	@TempDir
	static Path work;

	/** Scripts whose run was cancelled, with the reason. */
	private static final Map<Module, String> cancelled = new ConcurrentHashMap<>();

	/** Errors logged while a script runs: ScriptModule logs a script's exception instead of throwing it. */
	private static final List<String> errors = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void startContext() {
		ImageJ1Patch.ensurePatched();
		context = new Context();
		scripts = context.service(ScriptService.class);
		context.service(EventService.class).subscribe(new Object() {
			@EventHandler
			public void onCancel(ModuleCanceledEvent e) {
				cancelled.put(e.getModule(), String.valueOf(e.getReason()));
			}
		});
		context.service(LogService.class).addLogListener(message -> {
			if (message.level() <= LogLevel.ERROR) errors.add(message.text() + (message.throwable() == null ? "" :
				": " + message.throwable()));
		});
	}

	@AfterAll
	static void disposeContext() {
		context.dispose();
	}

	@Test
	void groovyIsAdaptedFromItsJsr223Engine() {
		ScriptLanguage groovy = scripts.getLanguageByExtension("groovy");
		assertNotNull(groovy, "no Groovy language: " + scripts.getLanguages());
		assertTrue(groovy instanceof AdaptedScriptLanguage, groovy.getClass().getName());
		assertEquals("Groovy Scripting Engine", ((AdaptedScriptLanguage) groovy).getEngineName());
	}

	@TestFactory
	List<DynamicTest> everyScriptRuns() throws Exception {
		return Expectations.testEach(List.of(Path.of("plugins")), Path.of(
			"plugins/Scripts/Plugins/DiffSeg/Examples/System_Check.groovy"), ScriptsTest::run, ".groovy", ".py", ".js",
			".bsh");
	}

	private static void run(Path file) throws Exception {
		Path dir = Files.createTempDirectory(work, file.getFileName().toString());
		Map<String, Path> args = Expectations.arguments(dir);
		ScriptInfo info = scripts.getScript(file.toFile());
		Map<String, Object> inputs = new HashMap<>();
		for (ModuleItem<?> item : info.inputs()) {
			Path path = args.get(item.getName());
			if (path != null) inputs.put(item.getName(), item.getType() == File.class ? path.toFile() : path);
		}
		errors.clear();
		ScriptModule module = scripts.run(file.toFile(), true, inputs).get();
		assertEquals(List.of(), errors, file + " failed");
		assertFalse(cancelled.containsKey(module), file + " was cancelled: " + cancelled.get(module));
		for (ModuleItem<?> item : info.inputs())
			if (MacroInputs.settable(item) && item.isRequired()) assertNotNull(module.getInput(item.getName()),
				file + ": the input '" + item.getName() + "' has no default and is not one of " + args.keySet());
		Expectations expect = Expectations.of(file);
		expect.outputs().forEach((name, patterns) -> {
			Object value = module.getOutput(name);
			for (Pattern p : patterns)
				assertTrue(value != null && p.matcher(value.toString()).find(), "output " + name + " does not match " + p +
					": " + value);
		});
		expect.assertWritten(args.get("output"), "");
	}
}
