package org.diffseg.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The Spark job settles Peekaboo's settings as the CLI does: the model's recommendations, then the options given. */
class PeekabooJobSettingsTest {

	@Test
	void modelRecommendationsApplyWhereNoOptionIsGiven(@TempDir Path model) throws Exception {
		Files.writeString(model.resolve("diffseg.json"), "{\"peekaboo\": {\"size\": 64, \"gravity\": 0.35}}");
		PeekabooJob job = new PeekabooJob();
		new CommandLine(job).parseArgs("--model", model.toString(), "--images", "in", "--out", "out", "--prompt", "a",
			"--gravity", "2");
		job.model = model.toString();
		PeekabooSettings s = job.settings();
		assertEquals(64, s.size(), "recommended");
		assertEquals(2f, s.gravity(), "given");
		assertEquals(PeekabooSettings.defaults().iterations(), s.iterations(), "neither");
	}
}
