package org.diffseg.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One DiffSeg run at a time writes into a folder (an output folder, a prototype bank): a second one is refused with
 * the first one's process id, rather than the two undoing each other's files. The lock is the operating system's
 * lock on {@value #NAME} in the folder, so a run killed with kill -9 holds it no more; the file, which names the
 * holder, is removed when the lock is released (a killed run leaves it, and the next run takes it over).
 */
public final class WriteLock implements AutoCloseable {
	public static final String NAME = ".diffseg-lock";
	private static final long LOCKED_BYTE = 1 << 20;
	/** The lock files this process holds. */
	private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

	private final Path file;
	private final FileChannel channel;
	private final FileLock lock;

	private WriteLock(Path file, FileChannel channel, FileLock lock) {
		this.file = file;
		this.channel = channel;
		this.lock = lock;
	}

	/**
	 * Locks {@code folder} (which must exist) for this run.
	 *
	 * @throws DiffSegException when another run, in this process or another, writes there now
	 */
	public static WriteLock acquire(Path folder) throws IOException {
		Path file = folder.toRealPath().resolve(NAME);
		// this process's own runs are told apart here, without opening the file: on POSIX systems closing any
		// channel on it would drop the lock the other run holds
		if (!HELD.add(file)) throw busy(folder, "pid " + ProcessHandle.current().pid());
		try {
			return lock(folder, file);
		}
		catch (IOException | RuntimeException e) {
			HELD.remove(file);
			throw e;
		}
	}

	private static DiffSegException busy(Path folder, String holder) {
		String[] words = holder.split(" ");
		return new DiffSegException(DiffSegException.Kind.INPUT, "another DiffSeg run is writing in " + folder + " (" +
			(words.length > 1 && words[0].equals("pid") ? "pid " + words[1] : "process unknown") + ")",
			"wait for it to finish, or write to another folder", Map.of(DiffSegException.PATH, folder.toString()));
	}

	private static WriteLock lock(Path folder, Path file) throws IOException {
		for (int attempt = 0; attempt < 20; attempt++) {
			try {
				Files.createFile(file);
			}
			catch (FileAlreadyExistsException taken) {
				// a run holds it, or one that was killed left it
			}
			Object before = key(file);
			FileChannel channel;
			try {
				channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
			}
			catch (NoSuchFileException removed) {
				continue; // its holder just released it
			}
			FileLock lock;
			try {
				// a byte past the content: the holder's name stays readable where locks are mandatory (Windows)
				lock = channel.tryLock(LOCKED_BYTE, 1, false);
			}
			catch (OverlappingFileLockException sameProcess) {
				lock = null;
			}
			if (lock == null) {
				String holder = read(channel);
				channel.close();
				throw busy(folder, holder);
			}
			// the file locked may be one its holder removed just before releasing it: ours only if the path still
			// names it. (Compared by file key, never by opening the file: closing any channel on it would release
			// this process's lock.)
			if (before == null || before.equals(key(file))) {
				String name = "pid " + ProcessHandle.current().pid();
				channel.truncate(0);
				channel.write(ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8)), 0);
				channel.force(false);
				return new WriteLock(file, channel, lock);
			}
			lock.release();
			channel.close();
		}
		throw new IOException("could not lock " + file + ": other runs keep taking it over.");
	}

	/** The file's identity (inode), or null where the file system has none or the file is gone. */
	private static Object key(Path file) {
		try {
			return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
		}
		catch (IOException gone) {
			return "gone";
		}
	}

	private static String read(FileChannel channel) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(200);
		channel.read(b, 0);
		return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
	}

	/** Removes the lock file while still holding the lock, then releases it. */
	@Override
	public void close() throws IOException {
		try {
			Files.deleteIfExists(file);
		}
		finally {
			try {
				lock.release();
			}
			finally {
				channel.close();
				HELD.remove(file);
			}
		}
	}
}
