package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import ij.Macro;

class MacroOptionsTest {

	@Test
	void parsesPlainBracketedAndQuotedValues() {
		MacroOptions o = MacroOptions.parse("prompt=[a cat, a dog] iterations=300  folder=[/data/my images] " +
			"use_gpu=true name='two words'");
		assertEquals("a cat, a dog", o.value("prompt"));
		assertEquals("300", o.value("iterations"));
		assertEquals("/data/my images", o.value("folder"));
		assertEquals("true", o.value("use_gpu"));
		assertEquals("two words", o.value("name"));
		assertNull(o.value("Prompt"), "keys are case-sensitive, as in Fiji");
		assertEquals(List.of("prompt", "iterations", "folder", "use_gpu", "name"), List.copyOf(o.keys()));
	}

	@Test
	void bracketsMayHoldBracketsAndEqualsSigns() {
		MacroOptions o = MacroOptions.parse("prompt=[a [red] cat=x] n=1 ");
		assertEquals("a [red] cat=x", o.value("prompt"));
		assertEquals("1", o.value("n"));
		assertEquals("", MacroOptions.parse("prompt=[]").value("prompt"));
		assertEquals("", MacroOptions.parse("prompt=").value("prompt"));
	}

	/** Fiji reads each parameter with ImageJ's Macro.getValue: the bridge must read the same values. */
	@Test
	void readsWhatImageJReads() {
		String options = "prompt=[a [red] cat] n=3 folder=[/my data/x] title='a b' flag=true empty=[]";
		MacroOptions o = MacroOptions.parse(options);
		for (String key : o.keys())
			assertEquals(Macro.getValue(options, key, null), o.value(key), key);
	}

	@Test
	void emptyAndNullHaveNoKeys() {
		assertTrue(MacroOptions.parse(null).keys().isEmpty());
		assertTrue(MacroOptions.parse("   ").keys().isEmpty());
	}

	@Test
	void rejectsWhatFijiWouldSilentlyIgnore() {
		assertEquals("'use_gpu' has no value: write use_gpu=value (a checkbox: use_gpu=true or use_gpu=false).",
			assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("n=1 use_gpu")).getMessage());
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("prompt=[a cat"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("name='a cat"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("n=1 n=2"));
		assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse("=3"));
	}
}
