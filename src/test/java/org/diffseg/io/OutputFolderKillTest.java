package org.diffseg.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at any moment, then a rerun: the output folder looks as if the killed run never started or had finished.
 * A child JVM publishes result sets of changing size into one folder in a loop and is killed (SIGKILL) at a random
 * moment once it has published a run; a second child recovers the folder, publishes and is killed the same way; then a
 * run's recovery, and the folder must hold exactly one run's whole set beside the user's own file, and a manifest that
 * names that set. (A kill inside recovery itself is not aimed at here.)
 */
class OutputFolderKillTest {
	@TempDir
	Path tmp;

	/** Run r writes f-1 .. f-(1 + r % 3) and result.json, all holding "run r". */
	static List<String> files(int run) {
		List<String> names = new ArrayList<>();
		for (int i = 1; i <= 1 + run % 3; i++) names.add("f-" + i);
		names.add("result.json");
		return names;
	}

	/** The child: publish runs into args[0] until killed, numbering them from args[1]. */
	public static void main(String[] args) throws IOException {
		Path out = Path.of(args[0]);
		for (int run = Integer.parseInt(args[1]); ; run++) {
			try (OutputFolder folder = new OutputFolder(out)) {
				for (String name : files(run)) Files.writeString(folder.file(name), "run " + run);
				folder.commit();
			}
			if (run % 1000 == 0) {
				System.out.println("published");
				System.out.flush();
			}
		}
	}

	@Test
	void aRunKilledAtAnyMomentIsUndoneOrFinishedByTheNext() throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Random random = new Random(16);
		for (int k = 0; k < 20; k++) {
			Path out = Files.createDirectories(tmp.resolve("out" + k));
			Files.writeString(out.resolve("notes.txt"), "mine");
			for (int kill = 0; kill < 2; kill++) {
				Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
					OutputFolderKillTest.class.getName(), out.toString(), String.valueOf(1000 * kill))
					.redirectErrorStream(true).start();
				// kill once it runs its loop: the moment is random within the runs that follow
				var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
				String line = lines.readLine();
				assertEquals("published", line);
				Thread.sleep(random.nextInt(30));
				child.destroyForcibly(); // SIGKILL
				assertTrue(child.waitFor(1, TimeUnit.MINUTES));
			}
			new OutputFolder(out).close();
			Map<String, String> left = new TreeMap<>();
			try (Stream<Path> list = Files.list(out)) {
				for (Path p : (Iterable<Path>) list::iterator)
					left.put(p.getFileName().toString(), Files.isDirectory(p) ? "/" : Files.readString(p));
			}
			assertEquals("mine", left.remove("notes.txt"), "the user's file, at kill " + k);
			assertNotNull(left.remove(OutputFolder.MANIFEST), left.toString());
			String content = left.get("result.json");
			assertNotNull(content, "at kill " + k + ": " + left);
			int run = Integer.parseInt(content.substring("run ".length()));
			Map<String, String> whole = new TreeMap<>();
			for (String name : files(run)) whole.put(name, content);
			assertEquals(whole, left, "at kill " + k + ": one run's whole set, nothing else");
			assertEquals(whole.keySet(), OutputFolder.manifest(out.resolve(OutputFolder.MANIFEST)));
		}
	}
}
