package org.diffseg.cli;


import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.diffseg.io.OutputFolder;
import org.diffseg.io.OvDiffOutputs;
import org.diffseg.io.ImageFiles;
import org.diffseg.run.CancelToken;
import org.diffseg.task.LoadedModels;
import org.diffseg.task.OvDiffSegmentResult;
import org.diffseg.task.OvDiffSegmentSettings;
import org.diffseg.task.OvDiffSegmentTask;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg ovdiff}: segment an image against classes of a prototype bank, every plane of a stack (or the plane
 * chosen), through {@link OvDiffSegmentTask} as Fiji's OVDiff Segment does.
 */
@Command(name = "ovdiff", mixinStandardHelpOptions = true,
	description = "Segment an image with OVDiff against classes of a prototype bank (built with 'diffseg prototypes'): " +
		"label image, class table, score maps, ROIs and explanations; every plane of a stack unless --slice/--frame " +
		"choose one.")
public final class OvDiffCommand extends ModelCommand {

	private static final OvDiffSegmentSettings DEFAULTS = OvDiffSegmentSettings.DEFAULTS;

	@Option(names = "--bank", required = true, description = "Prototype bank folder.")
	Path bank;

	@Mixin
	ImageOptions image;

	@Option(names = "--class", description = "A class to segment; repeat for several (default: every class in the bank).")
	List<String> classes = new ArrayList<>();

	@Option(names = "--out", required = true, description = "Output folder.")
	Path out;

	@Option(names = "--overwrite", description = "Replace files of the same names in --out that DiffSeg did not " +
		"write (by default the run stops with a message and leaves them).")
	boolean overwrite;

	@Mixin
	StuffOptions verdicts;

	@Option(names = "--shorter-side", description = "The image's shorter side is resized to this before the windows " +
		"slide (default ${DEFAULT-VALUE}; 0 keeps the size).")
	int shorterSide = DEFAULTS.shorterSide();

	@Option(names = "--pamr", description = "Refine the score maps with PAMR before labelling (the paper's optional " +
		"post-processing: sharper boundaries, about 2 mIoU more on VOC; a few seconds more on the CPU).")
	boolean pamr = DEFAULTS.pamr();

	@Option(names = "--n", description = "Use the prototypes built from this many support images (when the bank holds " +
		"several settings).")
	Integer n;

	@Option(names = "--steps", description = "Use the prototypes built with this many steps.")
	Integer steps;

	@Option(names = "--seed", description = "Use the prototypes built with this seed.")
	Long seed;

	@Option(names = "--parts", description = "Use the prototypes built with this many parts.")
	Integer parts;

	@Mixin
	VitOptions vit;

	@Override
	public Integer call() throws Exception {
		PrintWriter err = err();
		SourceImage source = image.open(err);
		Path modelDir = modelFolder();
		OvDiffSegmentSettings settings = OvDiffSegmentSettings.builder().model(modelDir).bank(bank).classes(classes)
			.stuff(verdicts.stuff, verdicts.things).shorterSide(shorterSide).pamr(pamr).clip(vit.clip).dino(vit.dino)
			.categoryFilter(!vit.noCategoryFilter).require("support_images", n).require("steps", steps)
			.require("seed", seed).require("parts", parts).build();
		try (LoadedModels models = models();
			OutputFolder folder = new OutputFolder(out, overwrite))
		{
			// refuse before the long work (commit checks every file again)
			folder.expect(OvDiffOutputs.FILES);
			OvDiffSegmentResult r = new OvDiffSegmentTask(models).run(source, settings, (stage, done, total) -> {
				err.printf("%s %d/%d%n", stage, done, total);
				err.flush();
			}, CancelToken.none());
			for (String kind : r.unusedExtractors()) err.println("note: the bank also holds " +
				kind.toUpperCase(Locale.ROOT) + " prototypes of these classes: add --" + kind + " DIR to average its " +
				"features in (the paper's ensemble)");
			OvDiffOutputs.write(r, folder, image.image, modelDir, bank);
			folder.commit();
			out().println("wrote " + out.toAbsolutePath() + (r.severalPlanes() ? " (" +
				r.planes().size() + " planes)" : ""));
		}
		return DiffSegCli.EXIT_OK;
	}
}
