package org.diffseg.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.diffseg.peekaboo.PeekabooSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRecommendationsTest {

	@Test
	void aModelWithoutTheFileGetsTheEngineDefaults(@TempDir Path model) throws IOException {
		assertEquals(PeekabooSettings.defaults(), ModelRecommendations.peekaboo(model).build());
	}

	@Test
	void recommendedSettingsReplaceOnlyTheirKeys(@TempDir Path model) throws IOException {
		Files.writeString(model.resolve("diffseg.json"), "{\"peekaboo\": {\"representation\": \"raster bilateral\", " +
			"\"size\": 64, \"learning_rate\": 0.1, \"gravity\": 0.8}, \"ovdiff\": {}}");
		PeekabooSettings s = ModelRecommendations.peekaboo(model).build();
		PeekabooSettings d = PeekabooSettings.defaults();
		assertEquals("raster bilateral", s.representation());
		assertEquals(64, s.size());
		assertEquals(0.1f, s.learningRate());
		assertEquals(0.8f, s.gravity());
		assertEquals(d.iterations(), s.iterations());
		assertEquals(d.guidance(), s.guidance());
		// applied on a builder the user has set: only the recommended keys change
		PeekabooSettings user = ModelRecommendations.applyPeekaboo(model, PeekabooSettings.builder().iterations(7)
			.guidance(3)).build();
		assertEquals(7, user.iterations());
		assertEquals(3f, user.guidance());
		assertEquals(64, user.size());
	}

	@Test
	void aDialogsChangedValuesStayAndItsDefaultsTakeTheRecommendation(@TempDir Path model) throws IOException {
		Files.writeString(model.resolve("diffseg.json"), "{\"peekaboo\": {\"size\": 64, \"iterations\": 150}}");
		PeekabooSettings s = ModelRecommendations.leftAtDefault(PeekabooSettings.builder().iterations(3).build(), model);
		assertEquals(3, s.iterations(), "changed by the user");
		assertEquals(64, s.size(), "left at the default");
	}

	@Test
	void aMisspeltOrOutOfRangeSettingIsRefusedNamingFileAndKey(@TempDir Path model) throws IOException {
		Path f = model.resolve("diffseg.json");
		Files.writeString(f, "{\"peekaboo\": {\"gravty\": 0.8}}");
		IOException e = assertThrows(IOException.class, () -> ModelRecommendations.peekaboo(model));
		assertTrue(e.getMessage().contains("gravty") && e.getMessage().contains(f.toString()), e.getMessage());
		Files.writeString(f, "{\"peekaboo\": {\"size\": -3}}");
		e = assertThrows(IOException.class, () -> ModelRecommendations.peekaboo(model));
		assertTrue(e.getMessage().contains("size"), e.getMessage());
		Files.writeString(f, "{\"peekaboo\": [1, 2]}");
		assertThrows(IOException.class, () -> ModelRecommendations.peekaboo(model));
	}
}
