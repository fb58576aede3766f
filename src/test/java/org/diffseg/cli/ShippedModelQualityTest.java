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
	/**
	 * Measured when the model was shipped (models/shapes-sd/README.md): Peekaboo 0.779, OVDiff 0.143 (the whole image
	 * scores 0.072). The floors leave room for rounding differences between machines, not for a worse model.
	 */
	static final double PEEKABOO_FLOOR = 0.70, OVDIFF_FLOOR = 0.11;
	/**
	 * OVDiff's prototypes of the check scenes' 13 classes, built with the settings below (8 support images of 20 steps:
	 * building them takes minutes, too long for every CI run). The bank is keyed by the model's identity: a changed
	 * model finds no prototypes here and the test fails until the bank is rebuilt (delete the files, run the test with
	 * a writable copy, copy the new files back).
	 */
	static final Path BANK = Path.of("src/test/resources/shapes-check-bank");

	@TempDir
	Path tmp;

	@Test
	void peekabooSegmentsTheCheckScenes() throws Exception {
		JsonObject all = evaluate("peekaboo");
		double miou = all.get("miou").getAsDouble();
		assertTrue(miou >= PEEKABOO_FLOOR, "Peekaboo mIoU " + miou + " fell below " + PEEKABOO_FLOOR);
		assertTrue(miou > all.get("wholeMiou").getAsDouble() + 0.3, "far better than the whole image: " + all);
	}

	/** OVDiff does not yet segment on this model (its cross-attention hardly localises): the floor pins what it does. */
	@Test
	void ovdiffKeepsItsMeasuredLevelOnTheCheckScenes() throws Exception {
		Path bank = tmp.resolve("bank");
		Files.createDirectories(bank);
		try (var files = Files.list(BANK)) {
			for (Path f : files.toList()) Files.copy(f, bank.resolve(f.getFileName()));
		}
		JsonObject all = evaluate("ovdiff", "--bank", bank.toString(), "--shorter-side", "0", "--support-images", "8",
			"--steps", "20");
		double miou = all.get("miou").getAsDouble();
		assertTrue(miou >= OVDIFF_FLOOR, "OVDiff mIoU " + miou + " fell below " + OVDIFF_FLOOR);
		try (var files = Files.list(bank)) {
			assertEquals(13, files.filter(f -> f.toString().endsWith(".safetensors")).count(), "no class was rebuilt");
		}
	}

	/** The "all objects" summary of an evaluation run with the model's settings. */
	private JsonObject evaluate(String method, String... options) throws Exception {
		Path out = tmp.resolve(method);
		StringWriter o = new StringWriter(), e = new StringWriter();
		java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval", "--method", method, "--dataset",
			SCENES.toString(), "--model", MODEL.toString(), "--out", out.toString(), "--threads", "2"));
		args.addAll(java.util.List.of(options));
		int code = DiffSegCli.run(args.toArray(String[]::new), new PrintWriter(o), new PrintWriter(e));
		assertEquals(0, code, e.toString());
		JsonObject metrics = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject();
		assertEquals(10, metrics.get("images").getAsInt());
		return metrics.getAsJsonArray("summaries").get(0).getAsJsonObject();
	}
}
