package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

class ClassNamesTest {
	@Test
	void cleansAndDetectsDuplicates() {
		assertEquals("potted plant", ClassNames.clean("  potted \t  plant "));
		assertEquals("potted plant", ClassNames.key("Potted  Plant"));
		assertEquals(List.of("dog", "Cat"), ClassNames.distinct(List.of(" dog", "Cat ")));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ClassNames.distinct(List.of("dog", "cat", "Dog ")));
		assertTrue(e.getMessage().contains("'dog' and 'Dog '"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> ClassNames.distinct(List.of()));
		assertThrows(IllegalArgumentException.class, () -> ClassNames.clean("   "));
	}
}
