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

	/** The child: holds the lock on args[0] until killed. */
	public static void main(String[] args) throws Exception {
		WriteLock lock = WriteLock.acquire(Path.of(args[0]));
		System.out.println("locked");
		System.out.flush();
		Thread.sleep(TimeUnit.MINUTES.toMillis(5));
		lock.close();
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
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process child = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
			WriteLockTest.class.getName(), dir.toString()).redirectErrorStream(true).start();
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
