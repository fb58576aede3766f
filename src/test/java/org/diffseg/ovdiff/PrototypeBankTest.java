package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import java.util.Map;

import org.diffseg.run.DiffSegException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrototypeBankTest extends TensorTest {
	static final Map<String, String> SETTINGS = Map.of("parts", "32", "support_images", "3", "splitter", "threshold");
	static final String EXTRACTOR = "sd-queries(t=200,64x64)";

	@TempDir
	Path dir;


	static PrototypeBank.Entry entry(NDManager s, String name, boolean stuff) {
		List<ai.djl.ndarray.NDArray> features = new ArrayList<>();
		List<FgBgMasks> masks = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			features.add(PrototypesTest.featureMap(s, i));
			masks.add(PrototypesTest.masks(i == 1));
		}
		Prototypes p = Prototypes.compute(s, features, masks, 2, 0);
		return new PrototypeBank.Entry(name, stuff, EXTRACTOR, p, List.of("000.png", "001.png", "002.png"));
	}

	@Test
	void roundTripKeepsTensorsProvenanceAndFlags() throws IOException {
		PrototypeBank bank = new PrototypeBank(dir, "model-A", SETTINGS);
		try (NDManager s = m.newSubManager()) {
			PrototypeBank.Entry e = entry(s, "  Potted   plant ", false);
			assertEquals("Potted plant", e.className());
			Path f = bank.put(e);
			assertTrue(f.getFileName().toString().startsWith("potted_plant-"), f.toString());
			assertEquals(List.of("Potted plant"), bank.classes(EXTRACTOR));
			assertTrue(bank.contains("potted plant", EXTRACTOR));
			PrototypeBank.Entry back = bank.load(s, "POTTED PLANT", EXTRACTOR);
			assertEquals("Potted plant", back.className());
			assertFalse(back.stuff());
			assertEquals(e.supportImages(), back.supportImages());
			for (boolean fg : new boolean[] { true, false }) {
				Prototypes.Group a = fg ? e.prototypes().fg() : e.prototypes().bg();
				Prototypes.Group b = fg ? back.prototypes().fg() : back.prototypes().bg();
				assertEquals(a.origins(), b.origins());
				assertArrayEquals(a.vectors().toFloatArray(), b.vectors().toFloatArray());
				assertEquals(a.vectors().getShape(), b.vectors().getShape());
				assertArrayEquals(a.partLabels().toIntArray(), b.partLabels().toIntArray());
				assertEquals(a.partLabels().getShape(), b.partLabels().getShape());
			}
		}
	}

	@Test
	void refusesAnotherModelOrOtherSettings() throws IOException {
		try (NDManager s = m.newSubManager()) {
			new PrototypeBank(dir, "model-A", SETTINGS).put(entry(s, "dog", false));
			DiffSegException model = assertThrows(DiffSegException.class,
				() -> new PrototypeBank(dir, "model-B", SETTINGS).load(s, "dog", EXTRACTOR));
			assertTrue(model.getMessage().contains("another model (model-A, the current one is model-B)"), model.getMessage());
			Map<String, String> other = new java.util.HashMap<>(SETTINGS);
			other.put("parts", "16");
			DiffSegException settings = assertThrows(DiffSegException.class,
				() -> new PrototypeBank(dir, "model-A", other).load(s, "dog", EXTRACTOR));
			assertTrue(settings.getMessage().contains("other settings (parts 32 instead of 16)"), settings.getMessage());
			assertEquals(List.of(), new PrototypeBank(dir, "model-B", SETTINGS).classes(EXTRACTOR));
			DiffSegException missing = assertThrows(DiffSegException.class,
				() -> new PrototypeBank(dir, "model-A", SETTINGS).load(s, "cow", EXTRACTOR));
			assertTrue(missing.getMessage().contains("no prototypes for 'cow'"), missing.getMessage());
			// a file renamed into another bank's name is caught by its contents
			PrototypeBank b = new PrototypeBank(dir, "model-B", SETTINGS);
			Files.copy(new PrototypeBank(dir, "model-A", SETTINGS).file("dog", EXTRACTOR), b.file("dog", EXTRACTOR));
			IOException renamed = assertThrows(IOException.class, () -> b.load(s, "dog", EXTRACTOR));
			assertTrue(renamed.getMessage().contains("another model"), renamed.getMessage());
		}
	}

	@Test
	void addingAClassLeavesTheOthersUntouchedAndDuplicatesAreRefused() throws IOException {
		PrototypeBank bank = new PrototypeBank(dir, "model-A", SETTINGS);
		try (NDManager s = m.newSubManager()) {
			Path dog = bank.put(entry(s, "dog", false));
			FileTime old = FileTime.fromMillis(1_000_000L);
			Files.setLastModifiedTime(dog, old);
			byte[] before = Files.readAllBytes(dog);
			bank.put(entry(s, "sky", true));
			assertArrayEquals(before, Files.readAllBytes(dog));
			assertEquals(old, Files.getLastModifiedTime(dog));
			assertEquals(List.of("dog", "sky"), bank.classes(EXTRACTOR));
			assertTrue(bank.load(s, "sky", EXTRACTOR).stuff());
			IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> bank.put(entry(s, "Dog", false)));
			assertTrue(dup.getMessage().contains("duplicates 'dog'"), dup.getMessage());
			bank.put(entry(s, " dog", false)); // the same name: a rebuild
			try (var files = Files.list(dir)) {
				assertEquals(2, files.count());
			}
		}
	}

	@Test
	void aCrashMidWriteNeverLeavesABankThatLoadsCorruptData() throws IOException {
		PrototypeBank bank = new PrototypeBank(dir, "model-A", SETTINGS);
		try (NDManager s = m.newSubManager()) {
			Path dog = bank.put(entry(s, "dog", false));
			byte[] good = Files.readAllBytes(dog);
			// a crash before the rename leaves a partial temporary file: ignored, the old file still loads
			Files.write(dir.resolve(dog.getFileName() + BankFile.TEMP_INFIX + "crashed"),
				java.util.Arrays.copyOf(good, good.length / 2));
			assertEquals(List.of("dog"), bank.classes(EXTRACTOR));
			assertEquals("dog", bank.load(s, "dog", EXTRACTOR).className());
			// a truncated final file (copied by hand, disk full, ...) is refused, at any length
			for (int cut : new int[] { 4, 20, good.length / 2, good.length - 1 }) {
				Files.write(dog, java.util.Arrays.copyOf(good, cut));
				IOException e = assertThrows(IOException.class, () -> bank.load(s, "dog", EXTRACTOR), "cut " + cut);
				assertTrue(e.getMessage().contains("is damaged") && e.getMessage().contains("build that class again"),
					e.getMessage());
			}
			// one flipped bit in the tensor data fails the checksum
			byte[] flipped = good.clone();
			flipped[flipped.length - 3] ^= 1;
			Files.write(dog, flipped);
			IOException e = assertThrows(IOException.class, () -> bank.load(s, "dog", EXTRACTOR));
			assertTrue(e.getMessage().contains("checksum"), e.getMessage());
			// rebuilding replaces the damaged file
			bank.put(entry(s, "dog", false));
			assertEquals("dog", bank.load(s, "dog", EXTRACTOR).className());
		}
	}
}
