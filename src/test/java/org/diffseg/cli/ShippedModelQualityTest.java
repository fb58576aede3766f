package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The shipped demo model keeps its quality: on 10 fixed validation scenes of the shapes world (seed 5150, never used
 * in training or tuning; models/samples/shapes-check), each method's mIoU stays above a floor a little below what
 * was measured when the model was shipped (the model card has the numbers). Run through the real CLI with the
 * model's recommended settings (its diffseg.json), as a user would.
 */
class ShippedModelQualityTest {
	static final Path MODEL = Path.of("models/shapes-sd"), SCENES = Path.of("models/samples/shapes-check");
	/** Measured at shipping: see models/shapes-sd/README.md; the floors leave room for run-to-run rounding only. */
	static final double PEEKABOO_FLOOR = 0.5;

	@TempDir
	Path tmp;

	@Test
	void peekabooSegmentsTheCheckScenes() throws Exception {
		JsonObject all = evaluate("peekaboo");
		double miou = all.get("miou").getAsDouble();
		assertTrue(miou >= PEEKABOO_FLOOR, "Peekaboo mIoU " + miou + " fell below " + PEEKABOO_FLOOR);
		assertTrue(miou > all.get("wholeMiou").getAsDouble() + 0.3, "far better than the whole image: " + all);
	}

	/** The "all objects" summary of an evaluation run with the model's settings. */
	private JsonObject evaluate(String method) throws Exception {
		Path out = tmp.resolve(method);
		StringWriter o = new StringWriter(), e = new StringWriter();
		int code = DiffSegCli.run(new String[] { "eval", "--method", method, "--dataset", SCENES.toString(), "--model",
			MODEL.toString(), "--out", out.toString(), "--threads", "2" }, new PrintWriter(o), new PrintWriter(e));
		assertEquals(0, code, e.toString());
		JsonObject metrics = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject();
		assertEquals(10, metrics.get("images").getAsInt());
		return metrics.getAsJsonArray("summaries").get(0).getAsJsonObject();
	}
}
