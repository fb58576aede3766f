package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The model's recommended settings apply where the user gave no option; an option the user gives wins. */
class PeekabooOptionsTest {

	@Test
	void givenOptionsWinOverTheModelsRecommendations(@TempDir Path model) throws Exception {
		Files.writeString(model.resolve("diffseg.json"), "{\"peekaboo\": {\"size\": 64, \"gravity\": 0.8, " +
			"\"learning_rate\": 0.1}}");
		PeekabooCommand c = new PeekabooCommand();
		new CommandLine(c).parseArgs("--image", "x.png", "--prompt", "a cat", "--out", "o", "--gravity", "2");
		PeekabooSettings s = c.peekaboo.builder(model).build();
		assertEquals(2f, s.gravity(), "given");
		assertEquals(64, s.size(), "recommended");
		assertEquals(0.1f, s.learningRate(), "recommended");
		assertEquals(PeekabooSettings.defaults().iterations(), s.iterations(), "neither: the engine's default");
	}
}
