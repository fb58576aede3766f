package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class BenchOvDiffCommandTest {

	/** Runs the bench on the tiny model; asserts success and returns its JSON (and, in {@code err}, its log). */
	private static JsonObject bench(StringWriter err, String... args) {
		StringWriter out = new StringWriter();
		CommandLine cl = new CommandLine(new BenchOvDiffCommand());
		cl.setOut(new PrintWriter(out));
		cl.setErr(new PrintWriter(err));
		String[] all = new String[args.length + 2];
		all[0] = "--model";
		all[1] = "models/tiny-sd-a";
		System.arraycopy(args, 0, all, 2, args.length);
		assertEquals(0, cl.execute(all), err.toString());
		return JsonParser.parseString(out.toString()).getAsJsonObject();
	}

	@Test
	void reportsEveryFigureOnTheTinyModel() {
		StringWriter err = new StringWriter();
		JsonObject j = bench(err, "--n", "2", "--steps", "2", "--parts", "4", "--targets", "3", "--image-size", "96");
		String out = j.toString();
		assertEquals(64, j.get("support_size").getAsInt());
		assertEquals(8, j.get("feature_grid").getAsInt());
		assertEquals(512, j.get("feature_channels").getAsInt());
		for (String k : new String[] { "support_s_per_image", "prototypes_s_per_image", "class_s", "segment_s",
			"features_s" }) assertTrue(j.get(k).getAsDouble() > 0, k + " in " + out);
		// 96 px: the shorter side goes to 448, so 1 window of 448, 4 of 336 and the whole image
		assertEquals(6, j.get("segment_windows").getAsInt());
		assertEquals(j.get("segment_s").getAsDouble() - j.get("features_s").getAsDouble(),
			j.get("matching_windows_s").getAsDouble(), 2e-3);
		assertTrue(j.has("matching_share") && j.get("prototypes_per_class").getAsInt() > 2);
		assertTrue(err.toString().contains("support image 2/2"), err.toString());
		assertEquals(java.util.Set.of("sd"), j.getAsJsonObject("features_s_by_extractor").keySet());
		assertFalse(j.has("category_filter_s"));
	}

	@Test
	void timesEachExtractorOfTheEnsembleAndTheFilter() {
		JsonObject j = bench(new StringWriter(), "--n", "1", "--steps", "1", "--parts", "2", "--targets", "3",
			"--image-size", "64", "--clip", "models/tiny-vit/tiny-clip", "--dino", "models/tiny-vit/tiny-dino");
		JsonObject byExtractor = j.getAsJsonObject("features_s_by_extractor");
		assertEquals(java.util.List.of("sd", "clip", "dino"), java.util.List.copyOf(byExtractor.keySet()));
		double sum = 0;
		for (String k : byExtractor.keySet()) {
			assertTrue(byExtractor.get(k).getAsDouble() > 0, k);
			sum += byExtractor.get(k).getAsDouble();
		}
		assertEquals(j.get("features_s").getAsDouble(), sum, 3e-3, "the medians add up with one repeat");
		assertTrue(j.get("category_filter_s").getAsDouble() > 0 && j.get("category_filter_first_s").getAsDouble() > 0);
	}
}
