package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.MenuEntry;

import ij.plugin.PlugIn;

/**
 * Plain ImageJ 1.x lists no SciJava command, so the jar's {@code plugins.config} gives it one entry that says Fiji is
 * needed; inside Fiji that entry must not repeat a command.
 */
class AboutDiffSegTest extends FijiContextTest {
	/** ImageJ 1.x's plugins.config line: menu, "label", class. */
	private static final Pattern ENTRY = Pattern.compile("^([^,\"]+),\\s*\"([^\"]+)\",\\s*(\\S+)$");

	private record Entry(String menu, String label, String className) {}

	@Test
	void theJarGivesImageJ1OneEntryUnderPluginsDiffSeg() throws Exception {
		List<Entry> entries = pluginsConfig();
		assertEquals(1, entries.size(), entries.toString());
		Entry about = entries.get(0);
		assertEquals("Plugins>DiffSeg", about.menu());
		assertTrue(PlugIn.class.isAssignableFrom(Class.forName(about.className())), about + " is no ImageJ 1.x PlugIn");
		assertFalse(commandLabels().contains(about.label()), about.label() + " would list a SciJava command twice in Fiji");
	}

	@Test
	void inFijiItNamesEveryCommandOfTheMenu() {
		String about = AboutDiffSeg.about();
		Set<String> labels = commandLabels();
		assertFalse(labels.isEmpty());
		for (String label : labels) assertTrue(about.contains("  " + label + ":"), label + " missing from:\n" + about);
		assertEquals(labels.size(), about.lines().filter(l -> l.startsWith("  ")).count(), about);
	}

	@Test
	void inPlainImageJ1ItSaysInOneLineThatFijiIsNeeded() throws Exception {
		// ImageJ 1.x and DiffSeg's classes, but no SciJava: what a user who puts the jar into plain ImageJ has
		URL classes = AboutDiffSeg.class.getProtectionDomain().getCodeSource().getLocation();
		URL ij = imageJ1Jar();
		try (URLClassLoader plain = new URLClassLoader(new URL[] { classes, ij }, ClassLoader.getPlatformClassLoader())) {
			Class<?> entry = Class.forName(AboutDiffSeg.class.getName(), true, plain);
			assertFalse(AboutDiffSeg.fijiPresent(plain));
			assertTrue(AboutDiffSeg.fijiPresent(getClass().getClassLoader()));
			PrintStream out = System.out;
			ByteArrayOutputStream shown = new ByteArrayOutputStream();
			System.setOut(new PrintStream(shown, true, StandardCharsets.UTF_8));
			try {
				// headless ImageJ prints what it would show in a dialog; a SciJava reference would throw here
				entry.getMethod("run", String.class).invoke(entry.getConstructor().newInstance(), "");
			}
			finally {
				System.setOut(out);
			}
			String message = shown.toString(StandardCharsets.UTF_8).strip();
			assertTrue(message.contains("DiffSeg needs Fiji"), message);
			assertTrue(message.contains("update site"), message);
			assertEquals(1, message.lines().count(), message);
		}
	}

	/** The leaf labels of the SciJava commands under Plugins > DiffSeg (test commands live elsewhere). */
	private static Set<String> commandLabels() {
		Set<String> labels = new TreeSet<>();
		for (CommandInfo info : context.service(CommandService.class).getCommands()) {
			List<String> path = info.getMenuPath() == null ? List.of() :
				info.getMenuPath().stream().map(MenuEntry::getName).toList();
			if (path.size() == 3 && path.get(0).equals("Plugins") && path.get(1).equals("DiffSeg") &&
				!Path.of("src/test/java", info.getClassName().replace('.', '/') + ".java").toFile().exists())
				labels.add(info.getMenuPath().getLeaf().getName());
		}
		return labels;
	}

	/** ImageJ 1.x's jar on the test class path (its classes' code source is hidden by the patching agent). */
	private static URL imageJ1Jar() throws IOException {
		for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
			if (Path.of(entry).getFileName().toString().matches("ij-[0-9.a-z]+\\.jar")) return Path.of(entry).toUri().toURL();
		throw new IOException("ImageJ 1.x's jar is not on the class path: " + System.getProperty("java.class.path"));
	}

	private static List<Entry> pluginsConfig() throws IOException {
		List<Entry> entries = new ArrayList<>();
		try (InputStream in = AboutDiffSeg.class.getResourceAsStream("/plugins.config")) {
			assertTrue(in != null, "plugins.config is missing from the jar");
			for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (line.isBlank() || line.startsWith("#")) continue;
				Matcher m = ENTRY.matcher(line.strip());
				assertTrue(m.matches(), "not an ImageJ 1.x plugins.config line: " + line);
				entries.add(new Entry(m.group(1), m.group(2), m.group(3)));
			}
		}
		return entries;
	}
}
