package org.diffseg.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * results.csv at the output root: a line per work item (status, attempts, seconds, measures, error), written by the
 * driver after the job, replaced whole (through a temporary file) so a reader never sees half a table.
 */
final class ResultsTable {
	static final String FILE = "results.csv";

	private ResultsTable() {}

	/**
	 * @param itemColumn "image" or "class"
	 * @param withFolder whether items have output folders (images do, classes do not)
	 */
	static void write(Path root, String itemColumn, boolean withFolder, List<Row> rows) throws IOException {
		Set<String> measures = new LinkedHashSet<>();
		for (Row r : rows) measures.addAll(r.measures().keySet());
		List<String> header = new ArrayList<>(List.of(itemColumn));
		if (withFolder) header.add("folder");
		header.addAll(List.of("status", "attempts", "seconds"));
		header.addAll(measures);
		header.add("error");
		StringBuilder csv = new StringBuilder(line(header));
		for (Row r : rows) {
			List<String> cells = new ArrayList<>(List.of(r.item()));
			if (withFolder) cells.add(r.folder());
			cells.addAll(List.of(r.status(), String.valueOf(r.attempts()), String.format(Locale.ROOT, "%.1f",
				r.seconds())));
			for (String m : measures) {
				Long v = r.measures().get(m);
				cells.add(v == null ? "" : v.toString());
			}
			cells.add(r.error());
			csv.append(line(cells));
		}
		Path target = root.resolve(FILE);
		Path tmp = root.resolve(FILE + ".tmp-" + java.util.UUID.randomUUID());
		Files.writeString(tmp, csv, StandardCharsets.UTF_8);
		try {
			Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static String line(List<String> cells) {
		StringBuilder b = new StringBuilder();
		for (String c : cells) {
			if (b.length() > 0) b.append(',');
			b.append(cell(c));
		}
		return b.append('\n').toString();
	}

	static String cell(String s) {
		if (s == null) return "";
		return s.matches("[^,\"\\n\\r]*") ? s : "\"" + s.replace("\"", "\"\"").replace('\n', ' ').replace('\r', ' ') +
			"\"";
	}

	/** The cells of one CSV line (quotes as {@link #cell} writes them, and as classes.csv has them). */
	static List<String> parse(String line) {
		List<String> cells = new ArrayList<>();
		StringBuilder cur = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (quoted) {
				if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
					cur.append('"');
					i++;
				}
				else if (c == '"') quoted = false;
				else cur.append(c);
			}
			else if (c == '"') quoted = true;
			else if (c == ',') {
				cells.add(cur.toString());
				cur.setLength(0);
			}
			else cur.append(c);
		}
		cells.add(cur.toString());
		return cells;
	}
}
