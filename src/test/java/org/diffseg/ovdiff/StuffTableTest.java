package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;

import org.junit.jupiter.api.Test;

class StuffTableTest {
	@Test
	void builtInDatasetsAreComplete() {
		assertEquals(20, new HashSet<>(StuffTable.VOC).size());
		assertEquals(59, new HashSet<>(StuffTable.CONTEXT).size());
		assertEquals(80, new HashSet<>(StuffTable.COCO_THINGS).size());
		assertEquals(91, new HashSet<>(StuffTable.COCO_STUFF).size());
		assertTrue(StuffTable.CONTEXT.containsAll(StuffTable.CONTEXT_STUFF));
	}

	@Test
	void verdicts() {
		StuffTable t = StuffTable.builtIn();
		for (String n : StuffTable.VOC) assertFalse(t.isStuff(n), n);
		for (String n : StuffTable.COCO_THINGS) assertFalse(t.isStuff(n), n);
		for (String n : StuffTable.CONTEXT) assertEquals(StuffTable.CONTEXT_STUFF.contains(n), t.isStuff(n), n);
		assertTrue(t.isStuff(" Sky"));
		assertTrue(t.isStuff("building-other"));
		assertFalse(t.isStuff("building"), "PASCAL Context (the authors' table) wins over COCO-Stuff");
		assertTrue(t.isStuff("sand"), "COCO-Stuff");
		assertTrue(t.isStuff("mirror"), "COCO-Stuff name without its -stuff suffix");
		assertFalse(t.isStuff("potted plant"));
		assertTrue(t.lookup("pikachu").isEmpty());
		assertFalse(t.isStuff("pikachu"), "unknown names are things");
	}

	@Test
	void userOverrides() {
		StuffTable t = StuffTable.builtIn().with("Tree", true).with("pikachu", true).with("sky", false);
		assertTrue(t.isStuff("tree"));
		assertTrue(t.isStuff("pikachu"));
		assertFalse(t.isStuff("sky"));
		assertFalse(StuffTable.builtIn().isStuff("tree"), "the built-in table is unchanged");
	}
}
