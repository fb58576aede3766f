package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.io.ImageFiles;
import org.diffseg.io.OutputFolder;
import org.diffseg.run.DiffSegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ij.ImagePlus;
import ij.process.ByteProcessor;

/** The command line's write sites tell a full disk, a refused permission and a read-only disk apart, with the path. */
class WriteFailuresTest {

	@TempDir
	Path dir;

	@Test
	void aResultImageOnAFullDiskSaysTheDiskIsFull() {
		// Linux's /dev/full: every write fails with ENOSPC. Before, this read "check that the folder is writable".
		DiffSegException e = assertThrows(DiffSegException.class, () -> ImageFiles.save(Path.of("/dev/full"),
			new ImagePlus("mask", new ByteProcessor(64, 64))));
		assertEquals(DiffSegException.Kind.DISK_FULL, e.kind());
		String line = DiffSegCli.describe(e);
		assertTrue(line.contains("/dev/full") && line.contains("disk is full"), line);
		assertFalse(line.contains("writable"), line);
	}

	@Test
	void anOutputFolderBelowAFileNamesTheFile() throws Exception {
		Path file = Files.writeString(dir.resolve("results.txt"), "mine");
		DiffSegException e = assertThrows(DiffSegException.class, () -> new OutputFolder(file.resolve("out")));
		assertTrue(e.problem().contains(file + " is a file"), e.problem());
		assertEquals("mine", Files.readString(file));
	}

	@Test
	void theLastCatchTellsTheThreeApart() {
		String denied = DiffSegCli.describe(new AccessDeniedException("/data/out/.diffseg-partial-1"));
		assertTrue(denied.startsWith("permission denied") && denied.contains("/data/out/.diffseg-partial-1") &&
			denied.contains("access"), denied);
		String readOnly = DiffSegCli.describe(new FileSystemException("/media/card/out", null, "Read-only file system"));
		assertTrue(readOnly.contains("/media/card/out") && readOnly.contains("read-only"), readOnly);
		assertFalse(readOnly.contains("permission"), readOnly);
		String fiji = org.diffseg.fiji.UserMessages.describe(new java.io.IOException("No space left on device"));
		assertTrue(fiji.contains("disk is full") && fiji.contains("free space"), fiji);
	}

	@Test
	void twoRunsIntoOneOutputFolderDoNotMix() throws Exception {
		Path out = dir.resolve("out");
		try (OutputFolder first = new OutputFolder(out)) {
			DiffSegException e = assertThrows(DiffSegException.class, () -> new OutputFolder(out));
			assertTrue(e.problem().startsWith("another DiffSeg run is writing in " + out), e.problem());
			Files.writeString(first.file("result.json"), "{}");
			first.commit();
		}
		assertEquals("{}", Files.readString(out.resolve("result.json")), "the first run's result is whole");
		new OutputFolder(out).close(); // and the folder is free again
	}
}
