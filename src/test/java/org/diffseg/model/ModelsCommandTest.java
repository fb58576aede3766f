package org.diffseg.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.cli.ModelsCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code diffseg models list|download|check} on the shipped descriptors and the tiny model. */
class ModelsCommandTest {

	@TempDir
	Path dir;

	StringWriter out = new StringWriter(), err = new StringWriter();

	int run(String... args) {
		CommandLine cl = new CommandLine(new ModelsCommand());
		cl.setOut(new PrintWriter(out, true));
		cl.setErr(new PrintWriter(err, true));
		cl.setExecutionExceptionHandler((e, c, p) -> {
			err.write(e.getMessage());
			return 1;
		});
		return cl.execute(args);
	}

	@Test
	void listShowsModelsLicencesAndUnverifiedFiles() {
		assertEquals(0, run("list", "--descriptors", "models/descriptors"));
		String s = out.toString();
		assertTrue(s.contains("stable-diffusion-v1-5") && s.contains("CreativeML OpenRAIL-M") &&
			s.contains("--accept-licence") && s.contains("--trust-unverified"), s);
	}

	@Test
	void downloadThenCheck() throws Exception {
		try (LocalModelServer server = new LocalModelServer(Path.of("models/tiny-sd-a").toAbsolutePath())) {
			Path target = dir.resolve("tiny");
			assertEquals(0, run("download", "tiny-sd-a", "--dir", target.toString(), "--descriptors", "src/test/resources/descriptors",
				"--base-url", server.baseUrl().toString()), err.toString());
			assertTrue(out.toString().contains("SHA-256 verified"), out.toString());
			assertEquals(0, run("check", target.toString()), out.toString());
			Files.delete(target.resolve("vae/config.json"));
			assertEquals(1, run("check", target.toString()));
			assertTrue(out.toString().contains("missing  vae/config.json"), out.toString());
			// the failure's reason is on stderr too, in one line naming the component
			assertTrue(err.toString().contains("vae") && err.toString().strip().lines().count() == 1, err.toString());
		}
	}

	@Test
	void refusalsNameTheFlagToPass() {
		assertEquals(1, run("download", "stable-diffusion-v1-5", "--dir", dir.toString(), "--descriptors",
			"models/descriptors"));
		assertTrue(err.toString().contains("--accept-licence"), err.toString());
		assertEquals(1, run("download", "stable-diffusion-v1-5", "--dir", dir.toString(), "--descriptors",
			"models/descriptors", "--accept-licence"));
		assertTrue(err.toString().contains("--trust-unverified"), err.toString());
		assertEquals(1, run("download", "sd-9", "--dir", dir.toString(), "--descriptors", "src/test/resources/descriptors"));
		assertTrue(err.toString().contains("unknown model 'sd-9'"), err.toString());
	}
}
