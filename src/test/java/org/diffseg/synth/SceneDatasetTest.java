package org.diffseg.synth;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.diffseg.cli.DiffSegCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneDatasetTest {

	@TempDir
	Path tmp;

	@Test
	void writeThenReadGivesTheSamePixelsMasksAndPrompts() throws IOException {
		SceneGenerator g = new SceneGenerator(5);
		List<Scene> scenes = new ArrayList<>();
		for (int i = 0; i < 4; i++) scenes.add(g.next());
		SceneDataset.write(tmp, scenes);
		String json = Files.readString(tmp.resolve("scenes.json"));
		assertTrue(json.contains("\"image\": \"scene-00.png\""), json);
		assertTrue(json.contains("\"mask\": \"scene-00-mask-0.png\""), json);
		List<LabelledImage> read = SceneDataset.read(tmp);
		assertEquals(4, read.size());
		for (int i = 0; i < 4; i++) {
			Scene s = scenes.get(i);
			LabelledImage l = read.get(i);
			assertEquals(s.caption(), l.caption());
			assertEquals(tmp.resolve(String.format("scene-%02d.png", i)), l.image());
			assertArrayEquals(s.rgb(), SceneDataset.readRgb(l.image()).rgb());
			assertEquals(s.objects().size(), l.objects().size());
			for (int k = 0; k < s.objects().size(); k++) {
				assertEquals(s.objects().get(k).prompt(), l.objects().get(k).prompt());
				assertArrayEquals(s.objects().get(k).mask(), SceneDataset.readMask(l.objects().get(k).mask()));
			}
		}
	}

	@Test
	void readExplainsWhatIsWrong() throws IOException {
		IOException e = assertThrows(IOException.class, () -> SceneDataset.read(tmp));
		assertTrue(e.getMessage().contains("no scenes.json"), e.getMessage());
		Files.writeString(tmp.resolve("scenes.json"), "[{\"image\": \"missing.png\", \"objects\": []}]");
		e = assertThrows(IOException.class, () -> SceneDataset.read(tmp));
		assertTrue(e.getMessage().contains("missing.png does not exist"), e.getMessage());
		Files.writeString(tmp.resolve("scenes.json"), "{");
		e = assertThrows(IOException.class, () -> SceneDataset.read(tmp));
		assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
	}

	@Test
	void synthCommandWritesADatasetFolder() throws IOException {
		StringWriter out = new StringWriter(), err = new StringWriter();
		Path dir = tmp.resolve("world");
		int code = DiffSegCli.run(new String[] { "synth", "--out", dir.toString(), "--scenes", "3", "--seed", "2" },
			new PrintWriter(out), new PrintWriter(err));
		assertEquals(DiffSegCli.EXIT_OK, code, err.toString());
		assertTrue(out.toString().startsWith("3 scenes, "), out.toString());
		List<LabelledImage> read = SceneDataset.read(dir);
		assertEquals(3, read.size());
		SceneGenerator g = new SceneGenerator(2);
		for (LabelledImage l : read) assertEquals(g.next().caption(), l.caption());
	}
}
