package org.diffseg.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.synth.LabelledImage;
import org.diffseg.synth.RgbImage;
import org.diffseg.synth.Scene;
import org.diffseg.synth.SceneDataset;
import org.diffseg.synth.SceneGenerator;
import org.diffseg.synth.SceneObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class EvaluationTest {

	@TempDir
	Path tmp;

	/** A method that answers the truth for the first prompt of each image and the whole image for the others. */
	private static final class Oracle implements SegmentationMethod {
		final List<Scene> scenes;
		int calls;

		Oracle(List<Scene> scenes) {
			this.scenes = scenes;
		}

		@Override
		public String name() {
			return "oracle";
		}

		@Override
		public Map<String, Object> settings() {
			return Map.of("kind", "test");
		}

		@Override
		public List<boolean[]> segment(RgbImage image, List<String> prompts, ProgressListener progress,
			CancelToken cancel)
		{
			Scene s = scenes.stream().filter(x -> java.util.Arrays.equals(x.rgb(), image.rgb())).findFirst().orElseThrow();
			calls++;
			progress.progress("step", 1, 1);
			List<boolean[]> masks = new ArrayList<>();
			for (int k = 0; k < prompts.size(); k++) {
				assertEquals(s.objects().get(k).prompt(), prompts.get(k));
				masks.add(k == 0 ? s.objects().get(k).mask() : Baselines.wholeImage(image.rgb().length));
			}
			return masks;
		}
	}

	private List<Scene> dataset(Path dir, int n) throws IOException {
		SceneGenerator g = new SceneGenerator(21);
		List<Scene> scenes = new ArrayList<>();
		for (int i = 0; i < n; i++) scenes.add(g.next());
		SceneDataset.write(dir, scenes);
		return scenes;
	}

	@Test
	void scoresAndFilesOfAKnownMethod() throws IOException {
		Path data = tmp.resolve("data"), out = tmp.resolve("out");
		List<Scene> scenes = dataset(data, 12);
		Oracle oracle = new Oracle(scenes);
		List<String> updates = new ArrayList<>();
		Evaluation.Result r = new Evaluation(Baselines.DEFAULT_COLOUR_DISTANCE).note("a test").run(SceneDataset.read(data),
			oracle, out, (stage, done, total) -> updates.add(stage + " " + done + "/" + total), CancelToken.none());
		assertEquals(12, oracle.calls);
		assertEquals("image 0/12", updates.get(0));
		assertTrue(updates.contains("image 12/12 (scene-11.png), step 1/1"), updates.toString());
		assertEquals("image 12/12", updates.get(updates.size() - 1));
		int objects = scenes.stream().mapToInt(s -> s.objects().size()).sum();
		assertEquals(objects, r.objects().size());
		// per object: truth for the first prompt, the whole image for the others
		int i = 0;
		double sum = 0;
		for (Scene s : scenes) for (int k = 0; k < s.objects().size(); k++) {
			Evaluation.ObjectScore o = r.objects().get(i++);
			SceneObject truth = s.objects().get(k);
			assertEquals(truth.prompt(), o.prompt());
			assertEquals(truth.area(), o.area());
			double whole = truth.area() / 4096.0;
			assertEquals(whole, o.wholeIou(), 1e-12);
			assertEquals(k == 0 ? 1 : whole, o.iou(), 1e-12);
			assertEquals(Metrics.iou(truth.mask(), Baselines.colourThreshold(s.rgb(), truth.colour(), 100)), o.colourIou(),
				1e-12);
			sum += o.iou();
			assertArrayEquals(k == 0 ? truth.mask() : Baselines.wholeImage(4096), SceneDataset.readMask(out.resolve(o.mask())));
		}
		Evaluation.Summary all = r.summaries().get(0);
		assertEquals(sum / objects, all.miou(), 1e-12);
		assertEquals(12, all.images());
		Evaluation.Summary shared = r.summaries().get(1);
		long sharedObjects = scenes.stream().filter(s -> s.objects().stream().map(SceneObject::colour).distinct().count() <
			s.objects().size()).mapToLong(s -> s.objects().size()).sum();
		assertEquals(sharedObjects, shared.objects());
		// files
		JsonArray predictions = JsonParser.parseString(Files.readString(out.resolve("predictions.json"))).getAsJsonArray();
		assertEquals(objects, predictions.size());
		JsonObject first = predictions.get(0).getAsJsonObject();
		assertEquals("scene-00.png", first.get("image").getAsString());
		assertEquals(scenes.get(0).objects().get(0).prompt(), first.get("prompt").getAsString());
		assertEquals("masks/scene-00-0.png", first.get("mask").getAsString());
		String report = Files.readString(out.resolve("report.md"));
		assertTrue(report.contains("> **Note:** a test"), report);
		assertTrue(report.contains("| all objects | 12 | " + objects + " |"), report);
		assertTrue(report.contains(Evaluation.SHARED_COLOUR), report);
		assertTrue(Files.size(out.resolve("montage.png")) > 1000);
		assertEquals(objects, JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject()
			.getAsJsonArray("objects").size());
	}

	@Test
	void ovdiffClassesArePromptsWithoutTheirArticle() {
		assertEquals("red triangle", OvDiffMethod.className("a red triangle"));
		assertEquals("apple", OvDiffMethod.className("An apple"));
		assertEquals("cat", OvDiffMethod.className(" the cat "));
		assertEquals("zebra", OvDiffMethod.className("zebra"));
		assertEquals(List.of("green circle", "red star"), OvDiffMethod.vocabulary(List.of("a green circle", "a red star",
			"a Green  circle", "a green circle")));
	}

	@Test
	void cancelStopsBeforeTheNextImage() throws IOException {
		Path data = tmp.resolve("data");
		List<Scene> scenes = dataset(data, 3);
		Oracle oracle = new Oracle(scenes);
		List<LabelledImage> read = SceneDataset.read(data);
		assertThrows(CancellationException.class, () -> new Evaluation(100).run(read, oracle, tmp.resolve("out"),
			ProgressListener.NONE, new CancelToken(() -> oracle.calls >= 1)));
		assertEquals(1, oracle.calls);
	}
}
