package org.diffseg.run;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Tells apart why writing a file or folder failed: a full disk, a refused permission, a read-only file system, or a
 * path through a file, each as a {@link DiffSegException} naming the path and the fix. The JDK says which by the
 * exception's type ({@link AccessDeniedException}) or by the operating system's reason text ("No space left on
 * device", "Read-only file system", "Permission denied", "Not a directory"), which a plain {@link IOException} from
 * {@code write} and ImageJ's {@link FileNotFoundException} carry in their message only.
 * <p>
 * Use at a write site, where the path is known: {@code catch (IOException e) { throw WriteErrors.typed(e, file); }};
 * front-ends also {@link #classify} what reaches them, with the path the exception names.
 */
public final class WriteErrors {

	private WriteErrors() {}

	/** Throws the typed error for a write failure of {@code target}, or returns {@code e} for the caller to throw. */
	public static IOException typed(IOException e, Path target) {
		DiffSegException typed = classify(e, target);
		if (typed != null) throw typed;
		return e;
	}

	/**
	 * The typed error for a failure writing {@code target} (null: the path the exception names), or null when it is
	 * none of the kinds told apart here.
	 */
	public static DiffSegException classify(IOException e, Path target) {
		return classify(e, target, true);
	}

	/**
	 * {@link #classify} for an exception whose operation is not known (a front-end's last catch): a refused permission
	 * is then worded for reading or writing.
	 */
	public static DiffSegException classifyAny(IOException e) {
		return classify(e, null, false);
	}

	private static DiffSegException classify(IOException e, Path target, boolean writing) {
		String reason = reason(e).toLowerCase(Locale.ROOT);
		Path path = target != null ? target : path(e);
		String where = path == null ? "" : " " + path;
		if (reason.contains("no space left") || reason.contains("disk quota exceeded") ||
			reason.contains("not enough space")) {
			String free = free(path);
			return typed(DiffSegException.Kind.DISK_FULL, "the disk is full: cannot write" + where + " (" +
				reason(e) + free + ")", "free space on that disk, or write to a folder on another disk", path);
		}
		if (reason.contains("read-only file system")) return typed(DiffSegException.Kind.READ_ONLY, "cannot write" +
			where + ": it is on a read-only file system", "write to a folder on a writable disk (a read-only mount, a " +
				"write-protected card or a read-only share cannot be written)", path);
		if (e instanceof AccessDeniedException || reason.contains("permission denied") ||
			reason.contains("operation not permitted") || reason.contains("access is denied")) {
			Path folder = path == null ? null : Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
			return typed(DiffSegException.Kind.PERMISSION_DENIED, "permission denied: user " +
				System.getProperty("user.name") + " may not " + (writing ? "write" : "read or write") + where,
				"give that user " + (writing ? "write " : "") + "access" +
					(folder == null ? "" : " to " + folder) + ", or write to a folder of your own", path);
		}
		if (reason.contains("not a directory") && path != null) {
			Path file = firstFile(path);
			if (file != null) return typed(DiffSegException.Kind.INPUT, "cannot write" + where + ": " + file +
				" is a file, not a folder", "choose a path made of folders only", path);
		}
		return null;
	}

	private static DiffSegException typed(DiffSegException.Kind kind, String problem, String fix, Path path) {
		return new DiffSegException(kind, problem, fix, path == null ? Map.of() : Map.of(DiffSegException.PATH,
			path.toString()));
	}

	/** The operating system's words: a FileSystemException's reason, else the message ("path (reason)" from ImageJ). */
	private static String reason(IOException e) {
		if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
		String m = e.getMessage() == null ? "" : e.getMessage();
		int open = m.lastIndexOf(" ("); // FileOutputStream: "/path/file (No space left on device)"
		return e instanceof FileNotFoundException && open >= 0 && m.endsWith(")") ? m.substring(open + 2, m.length() - 1)
			: m;
	}

	private static Path path(IOException e) {
		try {
			if (e instanceof FileSystemException f && f.getFile() != null) return Path.of(f.getFile());
			String m = e.getMessage();
			int open = m == null ? -1 : m.lastIndexOf(" (");
			if (e instanceof FileNotFoundException && open > 0) return Path.of(m.substring(0, open));
		}
		catch (RuntimeException invalid) {
			// not a path: say none
		}
		return null;
	}

	/** "; N MB free", measured on the nearest existing folder, or "" when that cannot be read. */
	private static String free(Path path) {
		Path p = path == null ? null : path.toAbsolutePath();
		while (p != null && !Files.exists(p)) p = p.getParent();
		if (p == null) return "";
		try {
			return "; " + Files.getFileStore(p).getUsableSpace() / (1024 * 1024) + " MB free";
		}
		catch (IOException | RuntimeException e) {
			return "";
		}
	}

	/** The first regular file among the path's ancestors (the path itself included), or null. */
	private static Path firstFile(Path path) {
		Path p = path.toAbsolutePath();
		Path file = null;
		for (; p != null; p = p.getParent()) if (Files.isRegularFile(p)) file = p;
		return file;
	}
}
