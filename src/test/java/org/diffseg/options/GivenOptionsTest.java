package org.diffseg.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.diffseg.peekaboo.PeekabooSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Which options the user gave is read once from picocli and kept: a Spark job serialises its options to executors,
 * where there is no parse result, and must settle them as the driver (and the CLI) did.
 */
class GivenOptionsTest {

	@Command(name = "job")
	static final class Job implements Callable<Integer>, Serializable {
		private static final long serialVersionUID = 1L;

		@Mixin
		PeekabooOptions peekaboo = new PeekabooOptions();

		@Mixin
		PeekabooMaskOptions mask = new PeekabooMaskOptions();

		@Override
		public Integer call() {
			return 0;
		}
	}

	@Test
	void givenOptionsTravelWithTheJob(@TempDir Path model) throws Exception {
		Files.writeString(model.resolve("diffseg.json"), "{\"peekaboo\": {\"size\": 64, \"gravity\": 0.35, " +
			"\"square\": \"scale\"}}");
		Job job = new Job();
		new CommandLine(job).parseArgs("--gravity", "2", "--threshold", "0.7");
		PeekabooSettings onDriver = job.mask.apply(job.peekaboo.builder(model)).build();

		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
			out.writeObject(job);
		}
		Job onExecutor;
		try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
			onExecutor = (Job) in.readObject();
		}
		PeekabooSettings s = onExecutor.mask.apply(onExecutor.peekaboo.builder(model)).build();
		assertEquals(onDriver, s);
		assertEquals(2f, s.gravity(), "given");
		assertEquals(0.7f, s.threshold(), "given");
		assertEquals(64, s.size(), "recommended");
		assertEquals("scale", s.square(), "recommended");
		assertTrue(onExecutor.peekaboo.given("--gravity"));
		assertFalse(onExecutor.peekaboo.given("--size"));
	}
}
