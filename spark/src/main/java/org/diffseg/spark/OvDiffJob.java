package org.diffseg.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

import org.diffseg.io.OutputFolder;
import org.diffseg.io.OvDiffOutputs;
import org.diffseg.options.OvDiffSegmentOptions;
import org.diffseg.run.CancelToken;
import org.diffseg.task.ModelSource;
import org.diffseg.task.OvDiffSegmentResult;
import org.diffseg.task.OvDiffSegmentSettings;
import org.diffseg.task.OvDiffSegmentTask;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg-spark ovdiff}: OVDiff over a folder of images, an image per task, each against the prototype bank
 * (read by every task from shared storage), writing what {@code diffseg ovdiff} writes for that image.
 */
@Command(name = "ovdiff", mixinStandardHelpOptions = true, description = "Segment every image of a folder with " +
	"OVDiff against classes of a prototype bank (built with 'prototypes'): per image the files of 'diffseg ovdiff' in " +
	"OUT/<image name>/, and OUT/results.csv with the pixels of each class.")
public final class OvDiffJob extends ImageJob {
	private static final long serialVersionUID = 1L;

	@Option(names = "--bank", required = true, description = "Prototype bank folder, on storage every executor reads.")
	String bank;

	@Mixin
	OvDiffSegmentOptions ovdiff = new OvDiffSegmentOptions();

	@Override
	List<Item> items() throws IOException {
		bank = absolute(bank);
		ovdiff.vit().makeAbsolute();
		settings(); // a bad setting fails on the driver
		if (!Files.isDirectory(Path.of(bank))) throw new IllegalArgumentException(bank + " is not a folder: give the " +
			"prototype bank built with 'prototypes' (--bank).");
		return super.items();
	}

	OvDiffSegmentSettings settings() {
		return ovdiff.builder().model(Path.of(model)).bank(Path.of(bank)).build();
	}

	@Override
	List<String> expected(Item item) {
		return OvDiffOutputs.FILES;
	}

	@Override
	void segment(Item item, SourceImage source, ModelSource models, OutputFolder folder) throws Exception {
		OvDiffSegmentResult r = new OvDiffSegmentTask(models).run(source, settings(), (stage, done, total) -> {},
			CancelToken.none());
		OvDiffOutputs.write(r, folder, Path.of(item.file()), Path.of(model), Path.of(bank));
	}

	/** "pixels NAME" per label, summed over the planes, from classes.csv. */
	@Override
	LinkedHashMap<String, Long> measures(Path folder, Item item) throws IOException {
		List<String> lines = Files.readAllLines(folder.resolve("classes.csv"), StandardCharsets.UTF_8);
		List<String> header = ResultsTable.parse(lines.get(0));
		int name = header.indexOf("name"), pixels = header.indexOf("pixels");
		LinkedHashMap<String, Long> m = new LinkedHashMap<>();
		for (String line : lines.subList(1, lines.size())) {
			if (line.isBlank()) continue;
			List<String> cells = ResultsTable.parse(line);
			m.merge("pixels " + cells.get(name), Long.parseLong(cells.get(pixels)), Long::sum);
		}
		return m;
	}
}
