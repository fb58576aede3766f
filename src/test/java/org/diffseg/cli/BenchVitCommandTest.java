package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

class BenchVitCommandTest {
	@Test
	void reportsMsPerWindowForClipAndDino() {
		for (String model : new String[] { "tiny-clip", "tiny-dino" }) {
			StringWriter out = new StringWriter(), err = new StringWriter();
			int code = DiffSegCli.run(new String[] { "bench", "vit", "--model", "models/tiny-vit/" + model, "--size", "64",
				"--repeat", "1" }, new PrintWriter(out), new PrintWriter(err));
			assertEquals(0, code, err.toString());
			JsonObject json = JsonParser.parseString(out.toString().trim()).getAsJsonObject();
			assertTrue(json.get("ms_per_window").getAsDouble() > 0, out.toString());
			assertEquals(model.equals("tiny-clip") ? "clip" : "dino", json.get("kind").getAsString());
		}
	}

	@Test
	void refusesAStableDiffusionFolder() {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "bench", "vit", "--model", "models/tiny-sd-a" }, new PrintWriter(out),
			new PrintWriter(err));
		assertEquals(1, code);
		assertTrue(err.toString().contains("not a CLIP or DINO folder"), err.toString());
	}
}
