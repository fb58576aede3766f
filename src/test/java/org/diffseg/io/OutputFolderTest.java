package org.diffseg.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.diffseg.run.DiffSegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An output folder holds one complete result of one run (issue 16, item 1). */
class OutputFolderTest {
	@TempDir
	Path tmp;

	/** One run writing these files (name, content) and committing. */
	static void run(Path out, String... nameContent) throws IOException {
		try (OutputFolder folder = new OutputFolder(out)) {
			write(folder, nameContent);
			folder.commit();
		}
	}

	static void write(OutputFolder folder, String... nameContent) throws IOException {
		for (int i = 0; i < nameContent.length; i += 2)
			Files.writeString(folder.file(nameContent[i]), nameContent[i + 1]);
	}

	/** The visible files of a folder and their contents (hidden DiffSeg bookkeeping left out). */
	static Map<String, String> visible(Path dir) throws IOException {
		Map<String, String> files = new TreeMap<>();
		try (Stream<Path> list = Files.list(dir)) {
			for (Path p : (Iterable<Path>) list::iterator) {
				String name = p.getFileName().toString();
				if (!name.startsWith(".")) files.put(name, Files.readString(p));
			}
		}
		return files;
	}

	static Map<String, String> all(Path dir) throws IOException {
		Map<String, String> files = new TreeMap<>();
		try (Stream<Path> list = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) list::iterator)
				if (!p.equals(dir)) files.put(dir.relativize(p).toString(), Files.isDirectory(p) ? "/" : Files.readString(p));
		}
		return files;
	}

	@Test
	void rerunWithFewerFilesReplacesTheEarlierResultSetWhole() throws IOException {
		Path out = tmp.resolve("out");
		run(out, "alpha-1.tif", "a1", "alpha-2.tif", "a2", "alpha-3.tif", "a3", "result.json", "r1");
		run(out, "alpha-1.tif", "b1", "result.json", "r2");
		assertEquals(Map.of("alpha-1.tif", "b1", "result.json", "r2"), visible(out));
	}

	@Test
	void aFileDiffSegDidNotWriteIsNeverOverwritten() throws IOException {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Files.writeString(out.resolve("mask-1.tif"), "mine");
		DiffSegException e = assertThrows(DiffSegException.class, () -> run(out, "mask-1.tif", "new", "result.json", "r"));
		assertTrue(e.getMessage().contains("mask-1.tif") && OutputFolder.OVERWRITE.equals(e.detail(DiffSegException.SETTING)), e.getMessage());
		assertEquals(Map.of("mask-1.tif", "mine"), all(out), "nothing else left behind either");
	}

	@Test
	void theRefusalCanComeBeforeTheLongWork() throws IOException {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Files.writeString(out.resolve("mask-1.tif"), "mine");
		try (OutputFolder folder = new OutputFolder(out)) {
			folder.expect(java.util.List.of("alpha-1.tif"));
			DiffSegException e = assertThrows(DiffSegException.class, () -> folder.expect(java.util.List.of("alpha-1.tif",
				"mask-1.tif")));
			assertTrue(e.getMessage().contains("mask-1.tif"), e.getMessage());
		}
		assertEquals(Map.of("mask-1.tif", "mine"), all(out));
		try (OutputFolder folder = new OutputFolder(out, true)) {
			folder.expect(java.util.List.of("mask-1.tif"));
		}
	}

	@Test
	void aResultSetAnEarlierDiffSegWroteIsReplacedWholeToo() throws IOException {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Files.writeString(out.resolve("result.json"), "{\"prompts\": [\"a\", \"b\"], \"files\": [\"alpha-1.tif\", " +
			"\"alpha-2.tif\"]}");
		Files.writeString(out.resolve("alpha-1.tif"), "a1");
		Files.writeString(out.resolve("alpha-2.tif"), "a2");
		Files.writeString(out.resolve("notes.txt"), "mine");
		run(out, "alpha-1.tif", "b1", "result.json", "r2");
		assertEquals(Map.of("alpha-1.tif", "b1", "notes.txt", "mine", "result.json", "r2"), visible(out));
	}

	@Test
	void filesDiffSegDidNotWriteSurviveReruns() throws IOException {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Files.writeString(out.resolve("notes.txt"), "mine");
		run(out, "alpha-1.tif", "a1", "alpha-2.tif", "a2");
		run(out, "alpha-1.tif", "b1");
		assertEquals(Map.of("alpha-1.tif", "b1", "notes.txt", "mine"), visible(out));
	}

	@Test
	void leftoversOfKilledRunsAreCleanedByTheNextRun() throws IOException {
		Path out = tmp.resolve("out");
		run(out, "alpha-1.tif", "a1");
		Path partial = Files.createDirectories(out.resolve(".diffseg-partial-123"));
		Files.writeString(partial.resolve("alpha-1.tif"), "half");
		Files.writeString(out.resolve(".diffseg-manifest.json.tmp-0f3c6f0e-8f52-4b7e-9a3c-2d1f6f0b7a11"), "{");
		Files.writeString(out.resolve("result.json.tmp-0f3c6f0e-8f52-4b7e-9a3c-2d1f6f0b7a12"), "{");
		run(out, "alpha-1.tif", "b1");
		try (Stream<Path> list = Files.list(out)) {
			assertEquals(Map.of("alpha-1.tif", "b1"), visible(out));
			assertTrue(list.map(p -> p.getFileName().toString()).noneMatch(n -> n.contains(".tmp-") ||
				n.startsWith(".diffseg-partial-")), () -> {
					try { return all(out).toString(); } catch (IOException e) { return e.toString(); }
				});
		}
	}

	@Test
	void aFailedRunLeavesNoOutputFolderBehind() throws IOException {
		Path out = tmp.resolve("new").resolve("out");
		try (OutputFolder folder = new OutputFolder(out)) {
			write(folder, "alpha-1.tif", "a1");
			// the run fails before commit
		}
		assertFalse(Files.exists(out), "an output folder the run created is removed again");
		assertTrue(Files.exists(tmp.resolve("new")), "but nothing above it");
	}

	@Test
	void aFailedRerunKeepsThePreviousResult() throws IOException {
		Path out = tmp.resolve("out");
		run(out, "alpha-1.tif", "a1", "alpha-2.tif", "a2");
		try (OutputFolder folder = new OutputFolder(out)) {
			write(folder, "alpha-1.tif", "b1");
		}
		assertEquals(Map.of("alpha-1.tif", "a1", "alpha-2.tif", "a2"), visible(out));
	}
	@Test
	void overwriteReplacesTheUsersFileWhenAskedTo() throws IOException {
		Path out = Files.createDirectories(tmp.resolve("out"));
		Files.writeString(out.resolve("mask-1.tif"), "mine");
		try (OutputFolder folder = new OutputFolder(out, true)) {
			write(folder, "mask-1.tif", "new");
			folder.commit();
		}
		assertEquals(Map.of("mask-1.tif", "new"), visible(out));
		run(out, "alpha-1.tif", "a1");
		assertEquals(Map.of("alpha-1.tif", "a1"), visible(out), "the replaced file is DiffSeg's now");
	}

	/** Stands for a kill: nothing after it runs, not even close(). */
	static final class Killed extends Error {}

	/**
	 * A run killed at each step of its commit, then a rerun's recovery: the folder holds the previous result (and the
	 * user's files) or the killed run's whole result, nothing else.
	 */
	@Test
	void aRunKilledAtAnyStepOfItsCommitIsUndoneOrFinishedByTheNext() throws IOException {
		Map<String, String> before = Map.of("alpha-1.tif", "a1", "alpha-2.tif", "a2", "alpha-3.tif", "a3",
			"notes.txt", "mine", "result.json", "r1");
		Map<String, String> after = Map.of("alpha-1.tif", "b1", "notes.txt", "mine", "result.json", "r2");
		boolean reachedEnd = false;
		int sawBefore = 0, sawAfter = 0;
		for (int k = 0; !reachedEnd; k++) {
			Path out = Files.createDirectories(tmp.resolve("out" + k));
			Files.writeString(out.resolve("notes.txt"), "mine");
			run(out, "alpha-1.tif", "a1", "alpha-2.tif", "a2", "alpha-3.tif", "a3", "result.json", "r1");
			int killAt = k;
			int[] steps = { 0 };
			OutputFolder folder = new OutputFolder(out);
			write(folder, "alpha-1.tif", "b1", "result.json", "r2");
			folder.step = what -> {
				if (steps[0]++ == killAt) throw new Killed();
			};
			try {
				folder.commit();
				reachedEnd = true;
			}
			catch (Killed e) {
				// the JVM is gone: no close()
			}
			folder.abandon(); // as the operating system frees a killed JVM's lock
			new OutputFolder(out).close();
			Map<String, String> now = all(out);
			now.remove(OutputFolder.MANIFEST);
			if (now.equals(before)) sawBefore++;
			else if (now.equals(after)) sawAfter++;
			else fail("killed at step " + k + ": " + now);
			// and the manifest names the result set that is there, so the next rerun replaces it whole
			run(out, "alpha-9.tif", "c9");
			assertEquals(Map.of("alpha-9.tif", "c9", "notes.txt", "mine"), visible(out), "after the kill at step " + k);
		}
		assertTrue(sawBefore > 0 && sawAfter > 0, sawBefore + " undone, " + sawAfter + " finished");
	}
}
