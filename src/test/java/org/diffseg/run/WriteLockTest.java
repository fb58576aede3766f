package org.diffseg.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run writes into a folder at a time; a second is told which process writes there; kill -9 frees the folder. */
class WriteLockTest {

	@TempDir
	Path dir;

	/** The child: holds the lock on args[0] until killed, or for args[1] seconds. */
	public static void main(String[] args) throws Exception {
		WriteLock lock = WriteLock.acquire(Path.of(args[0]));
		System.out.println("locked");
		System.out.flush();
		Thread.sleep(args.length > 1 ? 1000 * Long.parseLong(args[1]) : TimeUnit.MINUTES.toMillis(5));
		lock.close();
	}

	private static Process child(String... args) throws Exception {
		String bin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(bin, "-Xmx32m", "-cp",
			System.getProperty("java.class.path"), WriteLockTest.class.getName()));
		cmd.addAll(java.util.List.of(args));
		return new ProcessBuilder(cmd).redirectErrorStream(true).start();
	}

	@Test
	void aRefusedSecondRunHereLeavesTheFirstOneItsLock() throws Exception {
		try (WriteLock first = WriteLock.acquire(dir)) {
			assertThrows(DiffSegException.class, () -> WriteLock.acquire(dir));
			// closing a file a process holds a POSIX lock on drops that lock: the refusal must not have
			Process other = child(dir.toString(), "0");
			String said = new String(other.getInputStream().readAllBytes());
			assertTrue(other.waitFor(1, TimeUnit.MINUTES));
			assertFalse(said.contains("locked"), said);
			assertTrue(said.contains("another DiffSeg run is writing in"), said);
		}
	}

	@Test
	void aSecondRunInThisProcessIsRefusedUntilTheFirstEnds() throws Exception {
		try (WriteLock first = WriteLock.acquire(dir)) {
			DiffSegException e = assertThrows(DiffSegException.class, () -> WriteLock.acquire(dir));
			assertTrue(e.problem().contains("another DiffSeg run is writing in " + dir), e.problem());
			assertTrue(e.problem().contains("pid " + ProcessHandle.current().pid()), e.problem());
		}
		assertFalse(Files.exists(dir.resolve(WriteLock.NAME)), "the lock file goes with the lock");
		WriteLock.acquire(dir).close();
	}

	@Test
	void anotherProcessIsNamedAndItsKillFreesTheFolder() throws Exception {
		Process child = child(dir.toString());
		try {
			assertEquals("locked", new BufferedReader(new InputStreamReader(child.getInputStream())).readLine());
			DiffSegException e = assertThrows(DiffSegException.class, () -> WriteLock.acquire(dir));
			assertTrue(e.problem().contains("(pid " + child.pid() + ")"), e.problem());
		}
		finally {
			child.destroyForcibly(); // SIGKILL: the lock file stays, the lock does not
			assertTrue(child.waitFor(1, TimeUnit.MINUTES));
		}
		assertTrue(Files.exists(dir.resolve(WriteLock.NAME)));
		WriteLock.acquire(dir).close();
		assertFalse(Files.exists(dir.resolve(WriteLock.NAME)));
	}
}
