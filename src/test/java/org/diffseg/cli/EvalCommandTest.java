package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.synth.SceneDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;

/** Mechanics only: tiny-sd-a has random weights, so its scores mean nothing. */
class EvalCommandTest {

	@TempDir
	Path tmp;

	private static String[] run(String... args) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(args, new PrintWriter(out), new PrintWriter(err));
		return new String[] { String.valueOf(code), out.toString(), err.toString() };
	}

	@Test
	void peekabooOnTheTinyModelWritesEveryOutput() throws Exception {
		Path data = tmp.resolve("data"), out = tmp.resolve("out");
		assertEquals("0", run("synth", "--out", data.toString(), "--scenes", "2", "--seed", "3")[0]);
		String[] r = run("eval", "--model", "models/tiny-sd-a", "--method", "peekaboo", "--dataset", data.toString(), "--out", out.toString(),
			"--representation", "raster", "--size", "16", "--iterations", "2", "--threads", "1");
		assertEquals("0", r[0], r[2]);
		assertTrue(r[1].contains("all objects ("), r[1]);
		assertTrue(r[1].contains("whole image") && r[1].contains("colour threshold"), r[1]);
		assertTrue(r[2].contains("2/2 images"), r[2]);
		int objects = SceneDataset.read(data).stream().mapToInt(l -> l.objects().size()).sum();
		JsonArray predictions = JsonParser.parseString(Files.readString(out.resolve("predictions.json"))).getAsJsonArray();
		assertEquals(objects, predictions.size());
		for (var p : predictions) {
			boolean[] mask = SceneDataset.readMask(out.resolve(p.getAsJsonObject().get("mask").getAsString()));
			assertEquals(64 * 64, mask.length);
		}
		String report = Files.readString(out.resolve("report.md"));
		assertTrue(report.contains("weights are random"), report);
		assertTrue(report.contains("iterations=2"), report);
		assertTrue(Files.exists(out.resolve("montage.png")));
		assertTrue(Files.exists(out.resolve("metrics.json")));
	}

	@Test
	void usageErrors() throws Exception {
		String[] r = run("eval", "--method", "sam", "--dataset", tmp.toString(), "--out", tmp.resolve("o").toString());
		assertEquals("1", r[0]);
		assertTrue(r[2].contains("'sam'") && r[2].contains("--method"), r[2]);
		r = run("eval", "--method", "peekaboo", "--dataset", tmp.toString(), "--out", tmp.resolve("o").toString());
		assertEquals("1", r[0]);
		assertTrue(r[2].contains("no scenes.json"), r[2]);
	}
}
