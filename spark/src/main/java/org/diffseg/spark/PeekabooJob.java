package org.diffseg.spark;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

import org.diffseg.io.OutputFolder;
import org.diffseg.io.PeekabooOutputs;
import org.diffseg.options.PeekabooMaskOptions;
import org.diffseg.options.PeekabooOptions;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.task.ModelSource;
import org.diffseg.task.PeekabooSegmentResult;
import org.diffseg.task.PeekabooSegmentSettings;
import org.diffseg.task.PeekabooSegmentTask;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg-spark peekaboo}: Peekaboo over images x prompt sets, a task per pair, writing what
 * {@code diffseg peekaboo} writes for that image and prompts.
 */
@Command(name = "peekaboo", mixinStandardHelpOptions = true, description = "Segment every image of a folder with " +
	"Peekaboo for one or more prompt sets: per image the files of 'diffseg peekaboo' in OUT/<image name>/ (with " +
	"several sets, OUT/<image name>/set-K/), and OUT/results.csv with each prompt's mask area in pixels.")
public final class PeekabooJob extends ImageJob {
	private static final long serialVersionUID = 1L;

	@Option(names = "--prompt", description = "What to segment; repeat for several prompts (one set).")
	ArrayList<String> prompts = new ArrayList<>();

	@Option(names = "--prompt-set", description = "A set of prompts separated by ';' (e.g. \"a cat;a dog\"); repeat " +
		"for several sets: every image is segmented for each set.")
	ArrayList<String> promptSets = new ArrayList<>();

	@Mixin
	PeekabooMaskOptions mask = new PeekabooMaskOptions();

	@Mixin
	PeekabooOptions peekaboo = new PeekabooOptions();

	@Override
	List<List<String>> promptSets() {
		List<List<String>> sets = new ArrayList<>();
		if (!prompts.isEmpty()) sets.add(prompts);
		for (String set : promptSets) {
			List<String> ps = Arrays.stream(set.split(";")).map(String::strip).filter(p -> !p.isEmpty()).toList();
			if (ps.isEmpty()) throw new IllegalArgumentException("--prompt-set \"" + set + "\" holds no prompt: give " +
				"prompts separated by ';'.");
			sets.add(ps);
		}
		if (sets.isEmpty()) throw new IllegalArgumentException("no prompt given: say what to segment with --prompt " +
			"(repeatable) or --prompt-set \"a;b\".");
		return sets;
	}

	@Override
	List<Item> items() throws IOException {
		if (mask.guided()) throw new IllegalArgumentException("the 'guided bilateral' representation needs a guide " +
			"image per image, which the Spark job does not take: use 'diffseg peekaboo --guide' per image, or another " +
			"--representation.");
		settings(); // a bad setting fails on the driver
		return super.items();
	}

	/** The model's recommended settings, then the options given (settled as on the command line). */
	PeekabooSettings settings() throws IOException {
		return mask.apply(peekaboo.builder(Path.of(model))).build();
	}

	@Override
	List<String> expected(Item item) {
		return PeekabooOutputs.names(item.prompts().size());
	}

	@Override
	void segment(Item item, SourceImage source, ModelSource models, OutputFolder folder) throws Exception {
		PeekabooSettings s = settings();
		PeekabooSegmentResult r = new PeekabooSegmentTask(models).run(source, new PeekabooSegmentSettings(
			Path.of(model), item.prompts(), s, null), (stage, done, total) -> {}, CancelToken.none());
		PeekabooOutputs.write(r, folder, Path.of(item.file()), Path.of(model), s);
	}

	/** "area PROMPT": the pixels of the prompt's mask over every plane, from mask-K.tif. */
	@Override
	LinkedHashMap<String, Long> measures(Path folder, Item item) throws IOException {
		LinkedHashMap<String, Long> m = new LinkedHashMap<>();
		for (int p = 0; p < item.prompts().size(); p++) {
			Path file = folder.resolve("mask-" + (p + 1) + ".tif");
			ImagePlus mask = IJ.openImage(file.toString());
			if (mask == null) throw new IOException(file + " cannot be read");
			ImageStack stack = mask.getStack();
			long on = 0;
			for (int k = 1; k <= stack.size(); k++) for (byte v : (byte[]) stack.getPixels(k)) if (v != 0) on++;
			m.merge("area " + item.prompts().get(p), on, Long::sum);
		}
		return m;
	}
}
