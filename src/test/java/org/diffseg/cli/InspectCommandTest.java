package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.diffseg.sd.SafeTensorsTest.Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {

	@TempDir
	Path tmp;

	private record Result(int code, String out, String err) {
		List<String> errLines() {
			return err.lines().toList();
		}
	}

	private static Result inspect(Path file) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "inspect", file.toString() }, new PrintWriter(out), new PrintWriter(err));
		return new Result(code, out.toString(), err.toString());
	}

	/** Exit 1 and exactly one line on stderr, with no stack trace. */
	private static String assertOneLineFailure(Result r) {
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code(), r.out() + r.err());
		assertEquals(1, r.errLines().size(), r.err());
		String line = r.errLines().get(0);
		assertTrue(line.startsWith("diffseg: "), line);
		assertFalse(line.contains("Exception") || line.contains("\tat ") || line.contains("Error:"), line);
		assertEquals("", r.out());
		return line;
	}

	@Test
	void listsTensorsOfAFixtureFile() throws Exception {
		Path file = Path.of("models/tiny-sd-a/text_encoder/model.safetensors");
		Result r = inspect(file);
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		assertEquals("", r.err());
		List<String> lines = r.out().lines().toList();
		assertTrue(lines.stream().anyMatch(l -> l.matches("text_model\\.embeddings\\.position_embedding\\.weight +F32 +\\[77, 32\\]")),
			r.out());
		assertTrue(lines.stream().anyMatch(l -> l.matches("text_model\\.embeddings\\.position_ids +I64 +\\[1, 77\\]")), r.out());
		assertTrue(lines.contains("metadata: {format=pt}"), r.out());
		// Total bytes = file size - length field - header.
		long headerLength;
		try (var in = Files.newInputStream(file)) {
			headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
		}
		long dataBytes = Files.size(file) - 8 - headerLength;
		assertTrue(lines.get(lines.size() - 1).matches("\\d+ tensors, " + dataBytes + " bytes"), lines.get(lines.size() - 1));
	}

	@Test
	void listsAWrittenFileExactly() throws Exception {
		Path file = new Writer().addFloats("w", new long[] { 2, 3 }, 1, 2, 3, 4, 5, 6)
			.add("h", "F16", new long[] { 1 }, new byte[2]).write(tmp.resolve("two.safetensors"));
		Result r = inspect(file);
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		List<String> lines = r.out().lines().map(String::stripTrailing).toList();
		assertEquals(3, lines.size(), r.out());
		assertTrue(lines.get(0).matches("w +F32 +\\[2, 3\\]"), lines.get(0));
		assertTrue(lines.get(1).matches("h +F16 +\\[1\\]"), lines.get(1));
		assertEquals("2 tensors, 26 bytes", lines.get(2));
	}

	@Test
	void listsAShardedFolder() throws Exception {
		Path dir = Files.createDirectories(tmp.resolve("unet"));
		new Writer().addFloats("a", new long[] { 2 }, 1, 2).write(dir.resolve("m-1.safetensors"));
		new Writer().addFloats("b", new long[] { 1 }, 3).write(dir.resolve("m-2.safetensors"));
		Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
			"{\"weight_map\":{\"a\":\"m-1.safetensors\",\"b\":\"m-2.safetensors\"}}");
		Result r = inspect(dir);
		assertEquals(DiffSegCli.EXIT_OK, r.code(), r.err());
		assertTrue(r.out().contains("# " + dir.resolve("m-2.safetensors")), r.out());
		assertTrue(r.out().stripTrailing().endsWith("2 tensors, 12 bytes in 2 files"), r.out());
	}

	@Test
	void malformedFilesFailWithOneLine() throws Exception {
		byte[][] bad = {
			Writer.assemble(-1L, "{}".getBytes(), new byte[0]), // 2^64-1 bytes of header claimed
			Writer.assemble(1L << 62, "{}".getBytes(), new byte[0]),
			Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[274877906944],\"data_offsets\":[0,1099511627776]}}", new byte[4]),
			Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\"," +
				"\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
			Writer.assemble("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]),
			Writer.assemble("{\"a\":", new byte[0]),
			new byte[] { 1, 2, 3 }, };
		String[] expected = { "18446744073709551615 bytes", "4611686018427387904 bytes", "1099511627776",
			"'a' and 'b' overlap", "unknown dtype 'Q8'", "not valid JSON", "shorter than the 8-byte" };
		for (int i = 0; i < bad.length; i++) {
			Path file = Files.write(tmp.resolve("bad" + i + ".safetensors"), bad[i]);
			String line = assertOneLineFailure(inspect(file));
			assertTrue(line.contains(file + ": not a valid safetensors file") && line.contains(expected[i]), line);
		}
	}

	@Test
	void pickledFileIsRefused() throws Exception {
		Path file = Files.write(tmp.resolve("pytorch_model.bin"), new byte[] { (byte) 0x80, 2, 'x' });
		String line = assertOneLineFailure(inspect(file));
		assertTrue(line.contains("pytorch_model.bin") && line.contains("unpickling can run arbitrary code") &&
			line.contains(".safetensors"), line);
	}

	@Test
	void missingFileFails() {
		String line = assertOneLineFailure(inspect(tmp.resolve("absent.safetensors")));
		assertTrue(line.contains("absent.safetensors: no such file"), line);
	}
}
