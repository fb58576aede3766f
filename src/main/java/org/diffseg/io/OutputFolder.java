package org.diffseg.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.diffseg.run.DiffSegException;

/**
 * Writes a command's outputs so that the output folder always holds one complete result of one run: files are written
 * to a hidden staging folder {@code .diffseg-partial-<id>} inside the output folder and published at {@link #commit()}.
 * <p>
 * {@code .diffseg-manifest.json} lists the files the last published run wrote; files not in it were not written by
 * DiffSeg and are never overwritten or deleted unless the user asked for it (the "overwrite" setting). Publishing:
 * <ol>
 * <li>the previous result set (and, with --overwrite, the user's files the new set replaces) is moved aside into
 * {@code .diffseg-old-<id>};</li>
 * <li>{@code .diffseg-next.json} is written (atomically) naming the new files and the run's id;</li>
 * <li>the new files are moved in;</li>
 * <li>{@code .diffseg-next.json} is renamed onto {@code .diffseg-manifest.json} in one atomic step: the commit
 * point;</li>
 * <li>the old set and the staging folder are deleted.</li>
 * </ol>
 * A run killed at any moment is undone or completed by the next run on the same folder ({@link #recover}), so that
 * the folder looks as if the killed run never started or had finished. A second run on a folder while one writes
 * there is refused ({@link org.diffseg.run.WriteLock}).
 */
public final class OutputFolder implements AutoCloseable {
	/** The neutral names of the settings a refusal names (a front-end words them as its flags or fields). */
	public static final String OUTPUT_FOLDER = "output folder", OVERWRITE = "overwrite";
	public static final String MANIFEST = ".diffseg-manifest.json";
	public static final String NEXT = ".diffseg-next.json";
	public static final String PARTIAL = ".diffseg-partial-";
	public static final String OLD = ".diffseg-old-";
	/** A temporary file DiffSeg writes next to its target before an atomic rename ({@code name.tmp-<uuid>}). */
	public static final Pattern TEMP = Pattern.compile(".*\\.tmp-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-" +
		"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	/** Called between the steps of {@link #commit()}; tests make it throw to stand for a kill at that moment. */
	interface Step {
		void reached(String what) throws IOException;
	}

	final Path out;
	final Path staging;
	private final String id = UUID.randomUUID().toString();
	private final boolean overwrite;
	private final boolean created;
	private org.diffseg.run.WriteLock lock;
	Step step = what -> {};

	public OutputFolder(Path out) throws IOException {
		this(out, false);
	}

	/** @param overwrite whether files DiffSeg did not write may be replaced by this run's files of the same name */
	public OutputFolder(Path out, boolean overwrite) throws IOException {
		if (Files.exists(out) && !Files.isDirectory(out)) throw DiffSegException.setting(OUTPUT_FOLDER, out +
			" is a file", "give a folder");
		this.created = !Files.exists(out);
		this.out = out;
		this.overwrite = overwrite;
		try { // disk full, permission denied, read-only, a file on the path: told apart, with the path and the fix
			Files.createDirectories(out);
			this.lock = org.diffseg.run.WriteLock.acquire(out); // another run writing here is refused, not undone
			recover(out);
			this.staging = Files.createDirectory(out.resolve(PARTIAL + id));
		}
		catch (IOException e) {
			if (lock != null) lock.close();
			throw org.diffseg.run.WriteErrors.typed(e, out);
		}
		catch (RuntimeException e) {
			if (lock != null) lock.close();
			throw e;
		}
	}

	/** Where to write a file before commit. */
	public Path file(String name) {
		return staging.resolve(name);
	}

	/**
	 * Refuses before the long work starts when the run will write one of these names over a file DiffSeg did not write
	 * (commit checks again, for every file).
	 */
	public void expect(Iterable<String> names) throws IOException {
		foreign(names, previous(out));
	}

	/** The files of these names in the folder that DiffSeg did not write; refused unless overwriting is allowed. */
	private List<String> foreign(Iterable<String> names, Set<String> previous) {
		List<String> foreign = new ArrayList<>();
		for (String name : names) {
			if (!Files.exists(out.resolve(name)) || previous.contains(name)) continue;
			if (!overwrite) throw DiffSegException.setting(OVERWRITE, out.resolve(name) + " was not written by " +
				"DiffSeg", "move it away, or allow replacing it");
			foreign.add(name);
		}
		return foreign;
	}

	/** Publishes the staged files as the folder's result set, replacing the previous one whole. */
	public void commit() throws IOException {
		try {
			publish();
		}
		catch (IOException e) {
			throw org.diffseg.run.WriteErrors.typed(e, out);
		}
	}

	private void publish() throws IOException {
		Set<String> previous = previous(out);
		List<String> names = new ArrayList<>();
		try (Stream<Path> files = Files.list(staging)) {
			files.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
		}
		List<String> aside = foreign(names, previous);
		for (String name : previous) if (Files.exists(out.resolve(name))) aside.add(name);
		Path old = out.resolve(OLD + id);
		Files.createDirectory(old);
		step.reached("old folder");
		for (String name : aside) {
			Files.move(out.resolve(name), old.resolve(name));
			step.reached("aside " + name);
		}
		writeAtomically(out.resolve(NEXT), manifestJson(id, names));
		step.reached("next");
		for (String name : names) {
			Files.move(staging.resolve(name), out.resolve(name));
			step.reached("in " + name);
		}
		move(out.resolve(NEXT), out.resolve(MANIFEST));
		step.reached("manifest");
		delete(old);
		step.reached("old deleted");
		delete(staging);
	}

	/** Frees the folder's lock and nothing else, as the operating system does for a killed run (tests). */
	void abandon() throws IOException {
		lock.close();
	}

	/** Removes the staging folder, undoes a commit that did not finish, and removes an output folder left empty. */
	@Override
	public void close() throws IOException {
		try {
			recover(out);
		}
		finally {
			lock.close();
		}
		if (created) try (Stream<Path> left = Files.list(out)) {
			if (left.findAny().isEmpty()) Files.deleteIfExists(out);
		}
	}

	/**
	 * Brings a folder that a killed run left behind back to a published state: a commit that reached its commit point
	 * is finished, any other is undone; staging folders and temporary files are deleted. Each step can itself be
	 * killed and redone.
	 */
	public static void recover(Path out) throws IOException {
		String current = manifestId(out.resolve(MANIFEST));
		Path next = out.resolve(NEXT);
		if (Files.exists(next)) {
			// killed between moving the old set aside and the commit point: every listed file in the folder is new
			for (String name : manifest(next)) Files.deleteIfExists(out.resolve(name));
			Files.delete(next);
		}
		List<Path> leftovers = new ArrayList<>();
		try (Stream<Path> list = Files.list(out)) {
			list.forEach(leftovers::add);
		}
		for (Path p : leftovers) {
			String name = p.getFileName().toString();
			if (name.startsWith(OLD) && Files.isDirectory(p)) {
				if (!name.substring(OLD.length()).equals(current)) try (Stream<Path> files = Files.list(p)) {
					// not committed: put the previous set (and the user's files) back
					for (Path f : (Iterable<Path>) files::iterator) {
						Path back = out.resolve(f.getFileName());
						if (!Files.exists(back)) Files.move(f, back);
					}
				}
				delete(p);
			}
			else if (name.startsWith(PARTIAL) && Files.isDirectory(p)) delete(p);
			else if (TEMP.matcher(name).matches() && Files.isRegularFile(p)) Files.deleteIfExists(p);
		}
	}

	private static JsonObject manifestJson(String id, List<String> names) {
		JsonObject json = new JsonObject();
		json.addProperty("about", "the files DiffSeg wrote here in its last run; it replaces (only) these when it " +
			"runs again");
		json.addProperty("run", id);
		JsonArray files = new JsonArray();
		names.forEach(files::add);
		json.add("files", files);
		return json;
	}

	private static JsonObject read(Path manifest) throws IOException {
		if (!Files.exists(manifest)) return null;
		try {
			return JsonParser.parseString(Files.readString(manifest, StandardCharsets.UTF_8)).getAsJsonObject();
		}
		catch (RuntimeException e) {
			DiffSegException d = new DiffSegException(DiffSegException.Kind.INPUT, manifest + " is damaged", "delete " +
				"it (DiffSeg then treats the folder's files as not its own) and run again");
			d.initCause(e);
			throw d;
		}
	}

	public static Set<String> manifest(Path manifest) throws IOException {
		return manifest(read(manifest));
	}

	private static Set<String> manifest(JsonObject json) {
		Set<String> names = new LinkedHashSet<>();
		if (json != null && json.has("files")) json.getAsJsonArray("files").forEach(f -> {
			String name = f.getAsString();
			// only plain names inside the folder: a hand-edited manifest must not reach elsewhere
			if (!name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.equals(".") &&
				!name.equals("..")) names.add(name);
		});
		return names;
	}

	/**
	 * The files of the published result set: the manifest's, or in a folder an earlier DiffSeg wrote (no manifest),
	 * result.json and the files its "files" list names.
	 */
	static Set<String> previous(Path out) throws IOException {
		if (Files.exists(out.resolve(MANIFEST))) return manifest(out.resolve(MANIFEST));
		Path result = out.resolve("result.json");
		if (!Files.isRegularFile(result)) return Set.of();
		try {
			JsonObject json = JsonParser.parseString(Files.readString(result, StandardCharsets.UTF_8))
				.getAsJsonObject();
			if (!json.has("files") || !json.get("files").isJsonArray()) return Set.of();
			Set<String> names = manifest(json);
			names.add("result.json");
			return names;
		}
		catch (RuntimeException e) {
			return Set.of(); // not DiffSeg's result.json
		}
	}

	private static String manifestId(Path manifest) throws IOException {
		JsonObject json = read(manifest);
		return json == null || !json.has("run") ? null : json.get("run").getAsString();
	}

	private static void writeAtomically(Path target, JsonObject json) throws IOException {
		Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
		Files.writeString(tmp, json.toString(), StandardCharsets.UTF_8);
		move(tmp, target);
	}

	private static void move(Path from, Path to) throws IOException {
		try {
			Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException e) {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static void delete(Path dir) throws IOException {
		if (!Files.exists(dir)) return;
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
		}
	}
}
