package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.io.OvDiffOutputs;
import org.diffseg.options.OvDiffSegmentOptions;
import org.diffseg.run.CancelToken;
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
public final class OvDiffCommand extends PublishingCommand {

	@Option(names = "--bank", required = true, description = "Prototype bank folder.")
	Path bank;

	@Mixin
	ImageOptions image;

	@Mixin
	OvDiffSegmentOptions ovdiff;

	@Override
	public Integer call() throws Exception {
		PrintWriter err = err();
		SourceImage source = image.open(err);
		Path modelDir = modelFolder();
		OvDiffSegmentSettings settings = ovdiff.builder().model(modelDir).bank(bank).build();
		return publish(OvDiffOutputs.FILES, (models, folder) -> {
			OvDiffSegmentResult r = new OvDiffSegmentTask(models).run(source, settings, (stage, done, total) -> {
				err.printf("%s %d/%d%n", stage, done, total);
				err.flush();
			}, CancelToken.none());
			for (String kind : r.unusedExtractors()) err.println("note: the bank also holds " +
				kind.toUpperCase(Locale.ROOT) + " prototypes of these classes: add --" + kind + " DIR to average its " +
				"features in (the paper's ensemble)");
			OvDiffOutputs.write(r, folder, image.image, modelDir, bank);
			return r.planes().size();
		});
	}
}
