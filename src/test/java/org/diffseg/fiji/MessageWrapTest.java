package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** ImageJ's error dialog is as wide as its longest line: DiffSeg's messages reach it wrapped. */
class MessageWrapTest {

	@Test
	void longMessagesAreWrappedAtSpacesAndKeepEveryWord() {
		String message = "Peekaboo Segment: unknown keys iteratons=3 sise=32 represntation=raster gravty=2 " +
			"promts=[a cat]: the keys of this command are image, prompts, representation, guide, iterations, size, " +
			"square, threshold, seed, channels, all_planes, add_rois, timelapse, model, device, model_settings";
		String wrapped = LegacyBridge.wrap(message, 90);
		for (String line : wrapped.split("\n")) assertTrue(line.length() <= 90, line);
		assertEquals(message, wrapped.replace('\n', ' '));
		assertEquals("a\nlongwordthatstayswhole\nb", LegacyBridge.wrap("a longwordthatstayswhole b", 5));
		assertEquals("two\nparagraphs", LegacyBridge.wrap("two\nparagraphs", 90));
	}
}
