package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class MacroOptionsTest {

	@Test
	void parsesValuesBracketsAndFlags() {
		MacroOptions o = MacroOptions.parse("prompt=[a cat, a dog] iterations=300 use_gpu  folder=[/data/my images] " +
			"Mode=scale");
		assertEquals("a cat, a dog", o.value("prompt"));
		assertEquals("300", o.value("iterations"));
		assertEquals("/data/my images", o.value("folder"));
		assertEquals("scale", o.value("mode"), "keys are lower-cased as ImageJ does");
		assertTrue(o.flag("use_gpu"));
		assertFalse(o.flag("iterations"));
		assertNull(o.value("use_gpu"));
		assertEquals(List.of("prompt", "iterations", "folder", "mode", "use_gpu"), List.copyOf(o.keys()));
	}

	@Test
	void bracketsMayHoldBracketsAndEqualsSigns() {
		MacroOptions o = MacroOptions.parse("prompt=[a [red] cat=x] n=1 ");
		assertEquals("a [red] cat=x", o.value("prompt"));
		assertEquals("1", o.value("n"));
		assertEquals("", MacroOptions.parse("prompt=[]").value("prompt"));
		assertEquals("", MacroOptions.parse("prompt=").value("prompt"));
	}

	@Test
	void emptyAndNullHaveNoKeys() {
		assertTrue(MacroOptions.parse(null).keys().isEmpty());
		assertTrue(MacroOptions.parse("   ").keys().isEmpty());
	}

	@Test
	void rejectsMalformedOptions() {
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("prompt=[a cat"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("n=1 n=2"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("flag flag"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("n=1 n"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("=3"));
	}
}
