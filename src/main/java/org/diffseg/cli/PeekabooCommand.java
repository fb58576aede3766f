package org.diffseg.cli;

import java.nio.file.Path;
import java.util.List;

import org.diffseg.io.PeekabooOutputs;
import org.diffseg.io.ImageFiles;
import org.diffseg.options.PeekabooMaskOptions;
import org.diffseg.options.PeekabooOptions;
import org.diffseg.peekaboo.Peekaboo;
import org.diffseg.peekaboo.PeekabooSettings;
import org.diffseg.run.CancelToken;
import org.diffseg.task.PeekabooSegmentResult;
import org.diffseg.task.PeekabooSegmentSettings;
import org.diffseg.task.PeekabooSegmentTask;
import org.diffseg.task.SourceImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code diffseg peekaboo}: segment an image for one or more prompts, every plane of a stack (or the plane chosen),
 * through {@link PeekabooSegmentTask} as Fiji's Peekaboo Segment does.
 */
@Command(name = "peekaboo", mixinStandardHelpOptions = true,
	description = "Segment an image from text prompts with Peekaboo (one alpha map, mask and ROI per prompt); every " +
		"plane of a stack unless --slice/--frame choose one.")
public final class PeekabooCommand extends PublishingCommand {

	@Mixin
	ImageOptions image;

	@Option(names = "--prompt", required = true, description = "What to segment; repeat for several prompts.")
	List<String> prompts;

	@Mixin
	PeekabooMaskOptions mask;

	@Option(names = "--guide", description = "Guide image for 'guided bilateral' (e.g. a depth map), same size.")
	Path guide;

	@Mixin
	PeekabooOptions peekaboo;

	@Override
	public Integer call() throws Exception {
		var log = err();
		SourceImage source = image.open(log);
		Path modelDir = modelFolder();
		PeekabooSettings s = mask.apply(peekaboo.builder(modelDir)).build();
		PeekabooSegmentSettings settings = new PeekabooSegmentSettings(modelDir, prompts, s, guide == null ? null :
			SourceImage.of(ImageFiles.open(guide)));
		return publish(PeekabooOutputs.names(prompts.size()), (models, folder) -> {
			PeekabooSegmentResult r = new PeekabooSegmentTask(models).run(source, settings,
				everyTenth(log), CancelToken.none());
			for (Peekaboo.Segmentation plane : r.planes()) plane.warnings().forEach(w -> log.println("warning: " + w));
			PeekabooOutputs.write(r, folder, image.image, modelDir, s);
			return r.planes().size();
		});
	}
}
