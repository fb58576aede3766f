package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

	@Test
	void timesEveryPartAndItsMemoryOnTheTinyModel() {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "bench", "--model", "models/tiny-sd-a", "--size", "64", "--repeat", "1" },
			new PrintWriter(out), new PrintWriter(err));
		assertEquals(0, code, err.toString());
		JsonObject j = JsonParser.parseString(out.toString().trim()).getAsJsonObject();
		for (String part : new String[] { "text_encode", "unet_forward", "vae_encode_backward",
			"vae_encode_backward_plain", "vae_decode" })
			assertTrue(j.get(part + "_ms").getAsDouble() > 0, part + " in " + out);
		if (Files.isWritable(Path.of("/proc/self/clear_refs"))) { // Linux: each part's own peak
			double highest = 0;
			// the first part too: its peak must not be the load's
			for (String part : new String[] { "text_encode", "unet_forward", "vae_encode_backward",
				"vae_encode_backward_plain", "vae_decode" }) {
				double ratio = j.get(part + "_peak_over_weights").getAsDouble();
				assertTrue(ratio > 0, part);
				highest = Math.max(highest, ratio);
			}
			assertTrue(j.get("peak_rss_over_weights").getAsDouble() >= highest - 1e-3, out.toString());
		}
	}

	@Test
	void aSizeOffTheLatentGridIsOneLine() {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "bench", "--model", "models/tiny-sd-a", "--size", "60" },
			new PrintWriter(out), new PrintWriter(err));
		assertEquals(DiffSegCli.EXIT_FAILURE, code);
		assertTrue(err.toString().contains("--size must be a multiple of 8"), err.toString());
	}
}
