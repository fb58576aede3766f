package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diffseg.sd.SafeTensors.SafeTensorsException;
import org.diffseg.sd.SafeTensors.TensorInfo;
import org.diffseg.sd.SafeTensorsTest.Writer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates valid files systematically and randomly (seeded) and requires every case either to open, with every
 * tensor then readable and loadable, or to fail with a {@link SafeTensorsException} whose message is one line.
 * Any other exception or error (OutOfMemoryError, NumberFormatException, a JVM abort in the engine) fails.
 */
class SafeTensorsFuzzTest {

	@TempDir
	Path tmp;

	private Path file;
	private NDManager manager;
	private int opened, refused;

	@BeforeEach
	void setUp() {
		file = tmp.resolve("fuzz.safetensors");
		manager = NDManager.newBaseManager();
	}

	@AfterEach
	void tearDown() {
		manager.close();
	}

	/** Several dtypes, metadata, an int64 tensor like CLIP's position_ids. */
	private static Writer rich() {
		return new Writer().metadata("format", "pt")
			.addFloats("w", new long[] { 2, 3 }, 1, 2, 3, 4, 5, 6)
			.add("ids", "I64", new long[] { 1, 3 }, SafeTensorsTest.le(8, 0, 1, 2))
			.add("h", "F16", new long[] { 2 }, SafeTensorsTest.le(2, 0x3c00, 0xc000))
			.add("b", "BF16", new long[] { 1 }, SafeTensorsTest.le(2, 0x3f80))
			.add("s", "U8", new long[0], new byte[] { 7 });
	}

	private static Writer small() {
		return new Writer().add("t", "U8", new long[] { 4 }, new byte[] { 1, 2, 3, 4 });
	}

	/** Zero-size and rank-0 tensors. */
	private static Writer edges() {
		return new Writer().add("z", "F32", new long[] { 0, 2 }, new byte[0])
			.add("d", "F64", new long[0], SafeTensorsTest.le(8, Double.doubleToLongBits(0.5)));
	}

	@Test
	void truncationAtEveryPositionAndTrailingBytesAreRefused() {
		for (Writer w : List.of(rich(), small(), edges())) {
			byte[] valid = w.bytes();
			assertTrue(check("valid", valid));
			for (int n = 0; n < valid.length; n++) assertFalse(check("truncated to " + n, Arrays.copyOf(valid, n)),
				"truncated to " + n + " opened");
			for (int extra = 1; extra <= 8; extra++) assertFalse(check(extra + " trailing bytes", Arrays.copyOf(valid,
				valid.length + extra)), extra + " trailing bytes opened");
		}
		assertTrue(refused > 300);
	}

	@Test
	void headerLengthField() {
		byte[] valid = rich().bytes();
		long headerLength = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
		List<Long> lengths = new ArrayList<>(List.of(0L, 1L, 2L, 7L, 8L, 9L, headerLength - 1, headerLength + 1,
			headerLength + 8, valid.length - 9L, valid.length - 8L, valid.length - 7L, (long) valid.length,
			(1L << 31) - 1, 1L << 31, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L,
			SafeTensors.MAX_HEADER_BYTES, SafeTensors.MAX_HEADER_BYTES + 1));
		Random random = new Random(1);
		for (int i = 0; i < 60; i++) lengths.add(i % 2 == 0 ? random.nextLong() : (long) random.nextInt(valid.length + 16));
		for (long length : lengths) {
			byte[] bytes = valid.clone();
			ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
			boolean ok = check("header length " + Long.toUnsignedString(length), bytes);
			assertEquals(length == headerLength, ok, "header length " + Long.toUnsignedString(length));
		}
	}

	/** Every string and number of the header replaced by each value of the wrong kind or range. */
	@Test
	void everyHeaderTokenReplaced() {
		String[] replacements = { "-1", "0", "1", "3", "1.5", "1e2", "-0", "4294967296", "9223372036854775807",
			"9223372036854775808", "18446744073709551616", "null", "true", "\"\"", "\"x\"", "\"F32\"", "\"U64\"",
			"\"F4\"", "\"C64\"", "\"__metadata__\"", "[]", "[1]", "[0,4]", "{}", "{\"a\":1}", "\"\\u0000\"" };
		Pattern token = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+");
		int cases = 0;
		for (Writer w : List.of(rich(), small(), edges())) {
			String header = w.header();
			Matcher m = token.matcher(header);
			while (m.find()) {
				for (String r : replacements) {
					String mutated = header.substring(0, m.start()) + r + header.substring(m.end());
					check("token " + m.group() + " -> " + r, Writer.assemble(mutated, w.data()));
					cases++;
				}
			}
		}
		assertTrue(cases > 1000, "cases: " + cases);
		assertTrue(opened > 50 && refused > 500, "opened " + opened + ", refused " + refused);
	}

	/** JSON syntax: each character deleted, and structural characters inserted everywhere. */
	@Test
	void jsonSyntaxMutations() {
		for (Writer w : List.of(small(), edges())) {
			String header = w.header();
			for (int i = 0; i < header.length(); i++) {
				check("delete " + i, Writer.assemble(header.substring(0, i) + header.substring(i + 1), w.data()));
				for (String c : new String[] { "{", "}", "[", "]", ",", ":", "\"", "0", "-", ".", " ", "\\", "\u00e9" }) {
					check("insert " + c + " at " + i, Writer.assemble(header.substring(0, i) + c + header.substring(i), w.data()));
				}
			}
		}
		assertTrue(refused > 500, "refused " + refused);
	}

	@Test
	void randomByteFlips() {
		Random random = new Random(42);
		for (Writer w : List.of(rich(), small(), edges())) {
			byte[] valid = w.bytes();
			int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
			for (int i = 0; i < 200; i++) {
				byte[] bytes = valid.clone();
				int flips = 1 + random.nextInt(4);
				// Mostly inside the header, sometimes anywhere (length field, data).
				boolean headerOnly = i % 4 != 0;
				for (int f = 0; f < flips; f++) {
					int at = headerOnly ? 8 + random.nextInt(headerEnd - 8) : random.nextInt(bytes.length);
					bytes[at] = (byte) random.nextInt(256);
				}
				check("flips #" + i, bytes);
			}
		}
		assertTrue(opened > 0 && refused > 300, "opened " + opened + ", refused " + refused);
	}

	/** Random headers built from plausible and implausible dtypes, shapes, offsets and data sizes. */
	@Test
	void randomHeaders() {
		String[] dtypes = { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "U16", "U32", "U64",
			"F8_E5M2", "F8_E4M3", "F4", "C64", "X" };
		Random random = new Random(7);
		for (int c = 0; c < 400; c++) {
			StringBuilder h = new StringBuilder("{");
			if (random.nextInt(4) == 0) h.append("\"__metadata__\":{\"k\":\"v\"},");
			int n = random.nextInt(4);
			long offset = 0;
			for (int i = 0; i < n; i++) {
				String dtype = random.nextInt(10) < 8 ? dtypes[random.nextInt(10)] : dtypes[random.nextInt(dtypes.length)];
				SafeTensors.Dtype known = Arrays.stream(SafeTensors.Dtype.values()).filter(d -> d.name().equals(dtype))
					.findFirst().orElse(null);
				int rank = random.nextInt(4);
				long elements = 1;
				StringBuilder shape = new StringBuilder();
				for (int d = 0; d < rank; d++) {
					long dim = random.nextInt(20) == 0 ? (random.nextBoolean() ? -1 : 1L << 33) : random.nextInt(4);
					elements *= dim;
					shape.append(d == 0 ? "" : ",").append(dim);
				}
				long bytes = known == null ? random.nextInt(8) : Math.max(0, elements * known.bytes);
				long begin = offset, end = offset + bytes;
				if (random.nextInt(7) == 0) begin += random.nextInt(9) - 4;
				if (random.nextInt(7) == 0) end += random.nextInt(9) - 4;
				h.append(i == 0 ? "" : ",").append("\"t").append(random.nextInt(3)).append("\":{\"dtype\":\"").append(dtype)
					.append("\",\"shape\":[").append(shape).append("],\"data_offsets\":[").append(begin).append(',')
					.append(end).append("]}");
				offset = Math.max(offset, end);
			}
			h.append('}');
			int dataLength = (int) Math.min(1 << 16, Math.max(0, offset + (random.nextInt(6) == 0 ? random.nextInt(5) - 2 : 0)));
			byte[] data = new byte[dataLength];
			random.nextBytes(data);
			check("random header " + h, Writer.assemble(h.toString(), data));
		}
		assertTrue(opened > 50 && refused > 50, "opened " + opened + ", refused " + refused);
	}

	/**
	 * Writes the case and opens it. A file that opens must give every tensor's bytes, floats and engine array; one
	 * that does not must fail with a SafeTensorsException of one line naming the file.
	 */
	private boolean check(String label, byte[] bytes) {
		try {
			Files.write(file, bytes);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		try (SafeTensors st = SafeTensors.open(file)) {
			for (TensorInfo t : st.tensors().values()) {
				assertEquals(t.byteCount(), st.readBytes(t.name()).remaining(), label);
				assertEquals(t.elementCount(), st.readFloats(t.name()).length, label);
				try (NDArray a = st.load(manager, t.name(), DataType.FLOAT32)) {
					assertEquals(t.elementCount(), a.size(), label);
				}
			}
			opened++;
			return true;
		}
		catch (SafeTensorsException e) {
			String m = e.getMessage();
			assertTrue(m != null && m.startsWith(file + ": ") && !m.contains("\n") && !m.contains("\r") &&
				m.length() < 600, label + ": " + m);
			refused++;
			return false;
		}
		catch (Throwable t) {
			throw new AssertionError(printable(label) + ": expected a clean open or a SafeTensorsException, got " + t, t);
		}
	}

	private static String printable(String s) {
		return s.replaceAll("\\p{Cntrl}", "?");
	}
}
