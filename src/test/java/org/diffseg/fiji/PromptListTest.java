package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class PromptListTest {

	@Test
	void splitsOnSemicolonsAndLineBreaks() {
		assertEquals(List.of("a cat"), PromptList.parse("  a cat ", "prompts"));
		assertEquals(List.of("a cat", "a dog", "the sky"), PromptList.parse("a cat;a dog ;\n the sky\n", "prompts"));
		assertEquals(List.of("a cat", "a dog"), PromptList.parse("a cat\r\na dog", "prompts"));
	}

	@Test
	void emptyEntriesAreErrorsNamingTheKey() {
		assertEquals("prompt 2 of 3 in 'prompts' is empty (\"a;;b\"): remove the extra ';' or line break.",
			assertThrows(IllegalArgumentException.class, () -> PromptList.parse("a;;b", "prompts")).getMessage());
		assertEquals("prompt 2 of 2 in 'prompts' is empty (\"a;\"): remove the extra ';' or line break.",
			assertThrows(IllegalArgumentException.class, () -> PromptList.parse("a;", "prompts")).getMessage());
		assertEquals("prompt 2 of 3 in 'prompts' is empty (\"a;;b\"): remove the extra ';' or line break.",
			assertThrows(IllegalArgumentException.class, () -> PromptList.parse("a\n\nb", "prompts")).getMessage());
		assertEquals("no prompt given: describe what to segment in 'prompts', e.g. prompts=[a cat; a dog] (several " +
			"prompts separated by ';').", assertThrows(IllegalArgumentException.class, () -> PromptList.parse(" ",
				"prompts")).getMessage());
	}
}
