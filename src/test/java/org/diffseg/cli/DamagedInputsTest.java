package org.diffseg.cli;

import static org.diffseg.cli.OvDiffCommandTest.TINY;
import static org.diffseg.cli.OvDiffCommandTest.concat;
import static org.diffseg.cli.OvDiffCommandTest.oneLineFailure;
import static org.diffseg.cli.OvDiffCommandTest.picture;
import static org.diffseg.cli.OvDiffCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ColorProcessor;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import org.diffseg.cli.OvDiffCommandTest.Result;
import org.diffseg.ovdiff.PrototypeBank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 items 2 and 4: a damaged bank file or input image is never used or skipped in silence. */
class DamagedInputsTest {

	@TempDir
	Path tmp;

	private static Path fileOf(Path bank, String slug) throws Exception {
		try (Stream<Path> s = Files.list(bank)) {
			return s.filter(p -> p.getFileName().toString().startsWith(slug + "-") &&
				p.getFileName().toString().endsWith(PrototypeBank.SUFFIX)).findFirst().orElseThrow();
		}
	}

	private static void truncate(Path file, long size) throws Exception {
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
			ch.truncate(size);
		}
	}

	@Test
	void aDamagedBankFileIsNamedAndRebuilt() throws Exception {
		Path bank = tmp.resolve("bank"), out = tmp.resolve("out");
		assertEquals(0, run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat",
			"--class", "dog")).code());
		Path image = picture(tmp, 20, 20), cat = fileOf(bank, "cat");
		truncate(cat, Files.size(cat) / 2);
		String name = cat.getFileName().toString();

		// without --class: refused, not segmented without the damaged class
		String all = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--out", out.toString()));
		assertTrue(all.contains(name) && all.contains("'cat'") && all.contains("diffseg prototypes"), all);
		// with --class: the file is named, not a missing class
		String one = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(),
			"--class", "cat", "--out", out.toString()));
		assertTrue(one.contains(name) && one.contains("damaged"), one);
		// the other class still segments
		assertEquals(0, run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--class",
			"dog", "--out", out.toString()).code());

		// the payload altered, the header intact: the checksum finds it
		assertEquals(0, run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat"))
			.code());
		byte[] bytes = Files.readAllBytes(cat);
		bytes[bytes.length - 3] ^= 0x55;
		Files.write(cat, bytes);
		String altered = oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image",
			image.toString(), "--class", "cat", "--out", out.toString()));
		assertTrue(altered.contains(name) && altered.contains("'cat'"), altered);

		// prototypes rebuilds it and says so
		Result rebuilt = run(new PrototypesCommand(), concat(TINY, "--bank", bank.toString(), "--class", "cat",
			"--class", "dog"));
		assertEquals(0, rebuilt.code(), rebuilt.err());
		assertTrue(rebuilt.out().lines().anyMatch(l -> l.startsWith("rebuilt") && l.contains("cat")), rebuilt.out());
		assertTrue(rebuilt.out().lines().anyMatch(l -> l.startsWith("kept") && l.contains("dog")), rebuilt.out());
		assertEquals(0, run(new OvDiffCommand(), "--bank", bank.toString(), "--image", image.toString(), "--out",
			out.toString()).code());
	}

	@Test
	void aFolderThatIsNoBankIsRefusedBeforeSampling() throws Exception {
		Path model = Path.of("models/tiny-sd-a").toAbsolutePath();
		Result r = run(new PrototypesCommand(), concat(TINY, "--bank", model.toString(), "--class", "cat"));
		String line = oneLineFailure(r);
		assertTrue(line.contains(model.toString()) && line.contains("model"), line);
		assertFalse(r.err().contains("support image"), "refused before sampling: " + r.err());

		Path other = Files.createDirectories(tmp.resolve("notes"));
		Files.writeString(other.resolve("notes.txt"), "not prototypes");
		Result o = run(new PrototypesCommand(), concat(TINY, "--bank", other.toString(), "--class", "cat"));
		String notBank = oneLineFailure(o);
		assertTrue(notBank.contains("notes.txt") && notBank.contains("--bank"), notBank);
		assertFalse(o.err().contains("support image"), o.err());

		Path image = picture(tmp, 20, 20);
		String seg = oneLineFailure(run(new OvDiffCommand(), "--bank", model.toString(), "--image", image.toString(),
			"--out", tmp.resolve("out").toString()));
		assertTrue(seg.contains(model.toString()) && seg.contains("model"), seg);
	}

	@Test
	void anUnreadableImageGetsOneLineNamingIt() throws Exception {
		Path bank = tmp.resolve("bank"), out = tmp.resolve("out");
		Path folder = Files.createDirectories(tmp.resolve("folder.png"));
		Path empty = Files.createFile(tmp.resolve("empty.png"));
		Path text = Files.writeString(tmp.resolve("text.png"), "hello, I am not a picture\n", StandardCharsets.UTF_8);
		ColorProcessor cp = new ColorProcessor(64, 64);
		for (int i = 0; i < 64 * 64; i++) cp.set(i, i * 0x010203);
		Path tiff = tmp.resolve("cut.tif");
		IJ.saveAsTiff(new ImagePlus("cut", cp), tiff.toString());
		truncate(tiff, Files.size(tiff) / 2);
		for (Path p : new Path[] { folder, empty, text, tiff }) {
			Result r = run(new OvDiffCommand(), "--bank", bank.toString(), "--image", p.toString(), "--out",
				out.toString());
			String line = oneLineFailure(r);
			assertTrue(line.contains(p.getFileName().toString()), line);
			assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
		}
		assertTrue(oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", folder.toString(),
			"--out", out.toString())).contains("folder"));
		assertTrue(oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", empty.toString(),
			"--out", out.toString())).contains("empty"));
		assertTrue(oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", text.toString(),
			"--out", out.toString())).contains("text"));
		assertTrue(oneLineFailure(run(new OvDiffCommand(), "--bank", bank.toString(), "--image", tiff.toString(),
			"--out", out.toString())).contains("truncated"));
	}
}
