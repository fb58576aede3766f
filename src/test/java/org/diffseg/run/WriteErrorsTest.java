package org.diffseg.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, a refused permission and a read-only file system are told apart, each naming the path and its own fix.
 * The tests run as root, whom chmod does not stop, so the refusals are the exceptions the JDK raises for them (its
 * type, or the operating system's reason); the full disk is real: Linux's /dev/full.
 */
class WriteErrorsTest {

	@TempDir
	Path dir;

	@Test
	void aFullDiskIsToldAsSuchWithThePath() {
		IOException real = assertThrows(IOException.class, () -> Files.write(Path.of("/dev/full"), new byte[4096]));
		Path target = dir.resolve("mask-1.tif");
		DiffSegException e = WriteErrors.classify(real, target);
		assertNotNull(e, "not recognised: " + real);
		assertEquals(DiffSegException.Kind.DISK_FULL, e.kind());
		assertTrue(e.problem().contains(target.toString()), e.problem());
		assertTrue(e.fix().contains("free space"), e.fix());
		assertFalse(e.getMessage().contains("writable") || e.getMessage().contains("permission"), e.getMessage());
		assertEquals(target.toString(), e.detail(DiffSegException.PATH));
	}

	@Test
	void permissionDeniedNamesThePathAndTheFolderToOpen() {
		Path target = dir.resolve("bank").resolve("cat.ovdiff.safetensors");
		DiffSegException e = WriteErrors.classify(new AccessDeniedException(target.toString()), target);
		assertEquals(DiffSegException.Kind.PERMISSION_DENIED, e.kind());
		assertTrue(e.problem().contains(target.toString()), e.problem());
		assertTrue(e.fix().contains("write access to " + target.getParent()), e.fix());
	}

	@Test
	void aReadOnlyFileSystemIsNeitherFullNorForbidden() {
		Path target = dir.resolve("out");
		DiffSegException e = WriteErrors.classify(new FileSystemException(target.toString(), null,
			"Read-only file system"), null);
		assertEquals(DiffSegException.Kind.READ_ONLY, e.kind());
		assertTrue(e.problem().contains(target.toString()), "the path comes from the exception: " + e.problem());
		assertFalse(e.fix().contains("free space") || e.fix().contains("access"), e.fix());
	}

	@Test
	void imageJsFileNotFoundMessagesAreReadToo() {
		// FileOutputStream, which ImageJ writes with, says "path (reason)"
		DiffSegException full = WriteErrors.classify(new FileNotFoundException("/data/out/a.tif (No space left on " +
			"device)"), null);
		assertEquals(DiffSegException.Kind.DISK_FULL, full.kind());
		assertEquals("/data/out/a.tif", full.detail(DiffSegException.PATH));
		assertEquals(DiffSegException.Kind.PERMISSION_DENIED, WriteErrors.classify(new FileNotFoundException(
			"/data/out/a.tif (Permission denied)"), null).kind());
	}

	@Test
	void aFolderPathThroughAFileNamesTheFile() throws IOException {
		Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
		Path target = file.resolve("out");
		IOException real = assertThrows(IOException.class, () -> Files.createDirectories(target));
		DiffSegException e = WriteErrors.classify(real, target);
		assertNotNull(e, "not recognised: " + real);
		assertTrue(e.problem().contains(file + " is a file"), e.problem());
		assertEquals("mine", Files.readString(file), "the file is untouched");
	}

	@Test
	void otherFailuresAreLeftAsTheyAre() {
		IOException other = new IOException("stream closed");
		assertNull(WriteErrors.classify(other, dir));
		assertEquals(other, WriteErrors.typed(other, dir));
	}
}
