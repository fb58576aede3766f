package org.diffseg.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.diffseg.io.OutputFolder;
import org.diffseg.options.OverwriteOption;
import org.diffseg.options.PlaneOptions;
import org.diffseg.task.ModelSource;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A job over images: --images (a folder, or a text file listing image files), each image's outputs published
 * complete-or-nothing to {@code <out>/<image name without extension>/} by the same code as the command line's; an
 * image whose folder holds a published result is skipped (unless --redo).
 */
abstract class ImageJob extends SparkJob<ImageJob.Item> {
	private static final long serialVersionUID = 1L;
	static final List<String> EXTENSIONS = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg");

	/**
	 * @param file the image, absolute
	 * @param folder its output folder, relative to the output root
	 * @param prompts the prompt set (Peekaboo), else empty
	 */
	record Item(String file, String folder, ArrayList<String> prompts) implements Serializable {
		@Override
		public String toString() {
			return Path.of(file).getFileName() + (prompts.isEmpty() ? "" : " " + prompts);
		}
	}

	@Option(names = "--images", required = true, description = "Folder of images (TIFF, PNG, JPEG), or a text file " +
		"listing image files one per line (relative to its folder); on storage every executor reads.")
	String images;

	@Option(names = "--out", required = true, description = "Output root: each image's files go to OUT/<image name " +
		"without extension>/, and results.csv to OUT.")
	String out;

	@Mixin
	PlaneOptions planes = new PlaneOptions();

	@Option(names = "--redo", description = "Compute images again whose folders hold a finished result (by default a " +
		"rerun skips them).")
	boolean redo;

	@Mixin
	OverwriteOption overwrite = new OverwriteOption();

	@Override
	Path root() {
		return Path.of(out);
	}

	@Override
	String itemColumn() {
		return "image";
	}

	/** The prompt sets of an image (Peekaboo), or one empty set. */
	List<List<String>> promptSets() {
		return List.of(List.of());
	}

	/** Writes one image's outputs into {@code folder} for commit; {@code source} is the image opened as the CLI does. */
	abstract void segment(Item item, SourceImage source, ModelSource models, OutputFolder folder) throws Exception;

	/** The names written for an item, checked before the work. */
	abstract List<String> expected(Item item);

	/** The measures of a published result, read from its files. */
	abstract LinkedHashMap<String, Long> measures(Path folder, Item item) throws IOException;

	@Override
	List<Item> items() throws IOException {
		out = absolute(out);
		List<Path> files = list(Path.of(images));
		Map<String, Path> byName = new TreeMap<>();
		for (Path f : files) {
			Path other = byName.put(name(f), f);
			if (other != null) throw new IllegalArgumentException(other + " and " + f + " would both write to " +
				Path.of(out).resolve(name(f)) + ": rename one of them.");
		}
		List<List<String>> sets = promptSets();
		List<Item> items = new ArrayList<>();
		for (Map.Entry<String, Path> e : byName.entrySet())
			for (int s = 0; s < sets.size(); s++)
				items.add(new Item(e.getValue().toAbsolutePath().normalize().toString(), sets.size() == 1 ? e.getKey() :
					e.getKey() + "/set-" + (s + 1), new ArrayList<>(sets.get(s))));
		return items;
	}

	/** The image files of a folder (sorted), or those a list file names. */
	static List<Path> list(Path images) throws IOException {
		if (!Files.exists(images)) throw new IllegalArgumentException(images + " does not exist: give a folder of " +
			"images or a text file listing them (--images).");
		List<Path> files = new ArrayList<>();
		if (Files.isDirectory(images)) {
			try (Stream<Path> s = Files.list(images)) {
				s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).filter(p ->
					EXTENSIONS.stream().anyMatch(x -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(x)))
					.sorted().forEach(files::add);
			}
			if (files.isEmpty()) throw new IllegalArgumentException(images + " holds no image (" + String.join(", ",
				EXTENSIONS) + "): give the folder of the images (--images).");
		}
		else {
			for (String line : Files.readAllLines(images, StandardCharsets.UTF_8)) {
				String l = line.strip();
				if (l.isEmpty() || l.startsWith("#")) continue;
				files.add(images.toAbsolutePath().getParent().resolve(l));
			}
			if (files.isEmpty()) throw new IllegalArgumentException(images + " lists no image file: give one path per " +
				"line, or a folder (--images).");
		}
		return files;
	}

	/** The output folder name of an image: its file name without the extension. */
	static String name(Path file) {
		String n = file.getFileName().toString();
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}

	@Override
	Row skip(Item item, long start) {
		Path folder = root().resolve(item.folder());
		if (redo || !Files.isRegularFile(folder.resolve(OutputFolder.MANIFEST))) return null;
		try {
			return new Row(Path.of(item.file()).getFileName().toString(), item.folder(), Row.SKIPPED, 0,
				seconds(start), measures(folder, item), "");
		}
		catch (IOException | RuntimeException e) {
			return new Row(Path.of(item.file()).getFileName().toString(), item.folder(), Row.SKIPPED, 0,
				seconds(start), new LinkedHashMap<>(), "its results could not be read: " + Messages.describe(e));
		}
	}

	@Override
	Row process(Item item, ModelSource models, int attempt, long start) throws Exception {
		Path dir = root().resolve(item.folder());
		StringWriter notes = new StringWriter();
		SourceImage source = planes.open(Path.of(item.file()), new PrintWriter(notes));
		try (OutputFolder folder = overwrite.folder(dir)) {
			folder.expect(expected(item)); // refuse before the long work (commit checks every file again)
			segment(item, source, models, folder);
			folder.commit();
		}
		return new Row(Path.of(item.file()).getFileName().toString(), item.folder(), Row.DONE, attempt, seconds(start),
			measures(dir, item), "");
	}

	@Override
	Row failed(Item item, int attempts, long start, String error) {
		return new Row(Path.of(item.file()).getFileName().toString(), item.folder(), Row.FAILED, attempts,
			seconds(start), new LinkedHashMap<>(), error);
	}
}
