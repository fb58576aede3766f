package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.diffseg.sd.SafeTensors.SafeTensorsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

public class SafeTensorsTest {

	/** Builds small safetensors files the way the reference writer does (packed data, header padded to 8 bytes). */
	public static final class Writer {
		private final List<String> entries = new ArrayList<>();
		private final ByteArrayOutputStream data = new ByteArrayOutputStream();
		private String metadata = "";

		public Writer metadata(String key, String value) {
			metadata += (metadata.isEmpty() ? "" : ",") + "\"" + key + "\":\"" + value + "\"";
			return this;
		}

		public Writer add(String name, String dtype, long[] shape, byte[] bytes) {
			StringBuilder s = new StringBuilder();
			for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : ",").append(shape[i]);
			entries.add("\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + s + "],\"data_offsets\":[" +
				data.size() + "," + (data.size() + bytes.length) + "]}");
			data.writeBytes(bytes);
			return this;
		}

		public Writer addFloats(String name, long[] shape, float... values) {
			ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
			for (float v : values) b.putFloat(v);
			return add(name, "F32", shape, b.array());
		}

		public String header() {
			List<String> all = new ArrayList<>();
			if (!metadata.isEmpty()) all.add("\"__metadata__\":{" + metadata + "}");
			all.addAll(entries);
			return "{" + String.join(",", all) + "}";
		}

		public byte[] data() {
			return data.toByteArray();
		}

		public byte[] bytes() {
			String h = header();
			return assemble(h + " ".repeat((8 - h.getBytes(StandardCharsets.UTF_8).length % 8) % 8), data());
		}

		public Path write(Path file) throws IOException {
			return Files.write(file, bytes());
		}

		/** A file with the given header text and data, and the correct header length. */
		public static byte[] assemble(String header, byte[] data) {
			byte[] h = header.getBytes(StandardCharsets.UTF_8);
			return assemble(h.length, h, data);
		}

		/** A file with any header length field. */
		public static byte[] assemble(long headerLength, byte[] header, byte[] data) {
			ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
			return b.putLong(headerLength).put(header).put(data).array();
		}
	}

	@TempDir
	Path tmp;

	@Test
	void readsFixtureHeader() throws Exception {
		try (SafeTensors st = SafeTensors.open(Path.of("models/tiny-sd-a/reference/vae.safetensors"))) {
			assertArrayEquals(new long[] { 1, 3, 64, 64 }, st.info("image").shape());
			assertEquals(SafeTensors.Dtype.F32, st.info("image").dtype());
			assertEquals(3 * 64 * 64, st.readFloats("image").length);
		}
	}

	/** The strict checks (packed data, no trailing bytes) must accept every file the reference writer made. */
	@Test
	void everyFixtureFileValidates() throws Exception {
		List<Path> files;
		try (Stream<Path> walk = Files.walk(Path.of("models"))) {
			files = walk.filter(p -> p.toString().endsWith(".safetensors")).toList();
		}
		assertTrue(files.size() >= 20, "fixture files found: " + files.size());
		for (Path f : files) {
			try (SafeTensors st = SafeTensors.open(f)) {
				long total = 0;
				for (SafeTensors.TensorInfo t : st.tensors().values()) total += t.byteCount();
				assertEquals(Files.size(f), 8 + headerLength(f) + total, f.toString());
				assertFalse(st.tensors().isEmpty(), f.toString());
			}
		}
	}

	private static long headerLength(Path f) throws IOException {
		try (var in = Files.newInputStream(f)) {
			return ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
		}
	}

	/** A small float format's decoder, from the format's bits in the low bits of an int. */
	private interface Decoder {
		float decode(int bits);
	}

	/**
	 * The decoder gives 1 and -2 for their bit patterns, the format's largest finite value, its smallest subnormal
	 * and a NaN.
	 */
	private static void assertDecodes(Decoder d, int one, int minusTwo, int max, float maxValue, int smallest,
		float smallestValue, int nan)
	{
		assertEquals(1.0f, d.decode(one));
		assertEquals(-2.0f, d.decode(minusTwo));
		assertEquals(maxValue, d.decode(max));
		assertEquals(smallestValue, d.decode(smallest));
		assertTrue(Float.isNaN(d.decode(nan)));
	}

	@Test
	void halfConversion() {
		assertDecodes(b -> SafeTensors.halfToFloat((short) b), 0x3c00, 0xc000, 0x7bff, 65504f, 0x0001, 0x1p-24f, 0x7e00);
	}

	@Test
	void float8Conversion() {
		assertDecodes(b -> SafeTensors.e4m3ToFloat((byte) b), 0x38, 0xc0, 0x7e, 448f, 0x01, 0x1p-9f, 0x7f);
	}

	@Test
	void readsEveryDtype() throws Exception {
		Path f = new Writer().metadata("format", "pt")
			.addFloats("f32", new long[] { 2, 2 }, 1, -2, 3.5f, 0)
			.add("f64", "F64", new long[] { 2 }, le(8, Double.doubleToLongBits(1.5), Double.doubleToLongBits(-3)))
			.add("f16", "F16", new long[] { 2 }, le(2, 0x3c00, 0xc000))
			.add("bf16", "BF16", new long[] { 2 }, le(2, 0x3f80, 0xc040))
			.add("e5m2", "F8_E5M2", new long[] { 2 }, le(1, 0x3c, 0xc0))
			.add("e4m3", "F8_E4M3", new long[] { 2 }, le(1, 0x38, 0xc0))
			.add("i64", "I64", new long[] { 1, 3 }, le(8, 0, 76, -5))
			.add("u64", "U64", new long[] { 1 }, le(8, 1L << 40))
			.add("i32", "I32", new long[] { 2 }, le(4, 7, -7))
			.add("u32", "U32", new long[] { 1 }, le(4, 0xffffffffL))
			.add("i16", "I16", new long[] { 2 }, le(2, -3, 3))
			.add("u16", "U16", new long[] { 1 }, le(2, 0xffff))
			.add("i8", "I8", new long[] { 2 }, le(1, -1, 1))
			.add("u8", "U8", new long[] { 2 }, le(1, 255, 1))
			.add("bool", "BOOL", new long[] { 2 }, le(1, 1, 0))
			.add("scalar", "F32", new long[0], le(4, Float.floatToIntBits(9)))
			.add("empty", "F32", new long[] { 0, 3 }, new byte[0])
			.write(tmp.resolve("all.safetensors"));
		try (SafeTensors st = SafeTensors.open(f)) {
			assertEquals(java.util.Map.of("format", "pt"), st.metadata());
			assertEquals(17, st.tensors().size());
			assertArrayEquals(new float[] { 1, -2, 3.5f, 0 }, st.readFloats("f32"));
			assertArrayEquals(new float[] { 1.5f, -3 }, st.readFloats("f64"));
			assertArrayEquals(new float[] { 1, -2 }, st.readFloats("f16"));
			assertArrayEquals(new float[] { 1, -3 }, st.readFloats("bf16"));
			assertArrayEquals(new float[] { 1, -2 }, st.readFloats("e5m2"));
			assertArrayEquals(new float[] { 1, -2 }, st.readFloats("e4m3"));
			assertArrayEquals(new long[] { 0, 76, -5 }, st.readLongs("i64"));
			assertArrayEquals(new long[] { 1L << 40 }, st.readLongs("u64"));
			assertArrayEquals(new long[] { 7, -7 }, st.readLongs("i32"));
			assertArrayEquals(new long[] { 0xffffffffL }, st.readLongs("u32"));
			assertArrayEquals(new long[] { -3, 3 }, st.readLongs("i16"));
			assertArrayEquals(new long[] { 0xffff }, st.readLongs("u16"));
			assertArrayEquals(new long[] { -1, 1 }, st.readLongs("i8"));
			assertArrayEquals(new long[] { 255, 1 }, st.readLongs("u8"));
			assertArrayEquals(new long[] { 1, 0 }, st.readLongs("bool"));
			assertArrayEquals(new float[] { 9 }, st.readFloats("scalar"));
			assertEquals(0, st.readFloats("empty").length);
			assertThrows(IllegalArgumentException.class, () -> st.readLongs("f32"));
			assertThrows(IllegalArgumentException.class, () -> st.info("missing"));
			// The shape handed out is a copy: the validated header cannot be changed through it.
			st.info("f32").shape()[0] = 99;
			assertArrayEquals(new long[] { 2, 2 }, st.info("f32").shape());
		}
	}

	@Test
	void refusesU64ValuesThatAreNotLongs() throws Exception {
		Path f = new Writer().add("u64", "U64", new long[] { 1 }, le(8, -1L)).write(tmp.resolve("u64.safetensors"));
		try (SafeTensors st = SafeTensors.open(f)) {
			assertEquals(1.8446744e19f, st.readFloats("u64")[0]);
			var e = assertThrows(SafeTensorsException.class, () -> st.readLongs("u64"));
			assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
		}
	}

	@Test
	void largeTensorsAreMappedCopyOnWriteFromAReadOnlyFileThatNeverChanges() throws Exception {
		int n = (int) (SafeTensors.MAP_MIN_BYTES / 4) + 3; // above the mapping size, and not a whole number of pages
		float[] values = new float[n];
		for (int i = 0; i < n; i++) values[i] = i * 0.25f - 7;
		Path f = new Writer().addFloats("small", new long[] { 3 }, 1, 2, 3).addFloats("large", new long[] { n }, values)
			.write(tmp.resolve("mapped.safetensors"));
		byte[] before = Files.readAllBytes(f);
		assertTrue(f.toFile().setWritable(false, false), "cannot make the test file read-only");
		assertTrue(FileMapping.available(), "this test runs on Linux, where weights are mapped");
		NDArray view;
		try (NDManager m = NDManager.newBaseManager()) {
			try (SafeTensors st = SafeTensors.open(f)) {
				NDArray large = st.load(m, "large", DataType.FLOAT32);
				assertArrayEquals(values, large.toFloatArray());
				view = large.reshape(n, 1); // shares the mapped memory, and outlives the array below
				large.close();
				assertArrayEquals(new float[] { 1, 2, 3 }, st.load(m, "small", DataType.FLOAT32).toFloatArray());
				assertEquals(1, st.mappedTensors, "the large tensor is mapped, the small one copied");
			}
			// the file is closed; the mapping lives as long as the manager, and a write stays in this process
			assertEquals(values[n - 1], view.getFloat(n - 1, 0));
			view.addi(1);
			assertEquals(values[n - 1] + 1, view.getFloat(n - 1, 0));
		}
		assertArrayEquals(before, Files.readAllBytes(f));
		try (SafeTensors st = SafeTensors.open(f); NDManager m = NDManager.newBaseManager()) {
			assertArrayEquals(values, st.load(m, "large", DataType.FLOAT32).toFloatArray());
		}
	}

	@Test
	void loadsIntoDjlConvertingFloats() throws Exception {
		Path f = new Writer()
			.add("f16", "F16", new long[] { 2 }, le(2, 0x3c00, 0xc000))
			.add("bf16", "BF16", new long[] { 1, 2 }, le(2, 0x3f80, 0xc040))
			.add("e4m3", "F8_E4M3", new long[] { 2 }, le(1, 0x38, 0xc0))
			.add("ids", "I64", new long[] { 1, 3 }, le(8, 0, 1, 2))
			.add("i16", "I16", new long[] { 2 }, le(2, -3, 3))
			.add("u16", "U16", new long[] { 1 }, le(2, 0xffff))
			.add("u32", "U32", new long[] { 1 }, le(4, 0xffffffffL))
			.write(tmp.resolve("djl.safetensors"));
		try (SafeTensors st = SafeTensors.open(f); NDManager m = NDManager.newBaseManager()) {
			NDArray half = st.load(m, "f16", DataType.FLOAT32);
			assertEquals(DataType.FLOAT32, half.getDataType());
			assertArrayEquals(new float[] { 1, -2 }, half.toFloatArray());
			assertEquals("f16", half.getName());
			NDArray keptHalf = st.load(m, "f16", null);
			assertEquals(DataType.FLOAT16, keptHalf.getDataType());
			NDArray bf16 = st.load(m, "bf16", DataType.FLOAT32);
			assertEquals(new ai.djl.ndarray.types.Shape(1, 2), bf16.getShape());
			assertArrayEquals(new float[] { 1, -3 }, bf16.toFloatArray());
			assertArrayEquals(new float[] { 1, -2 }, st.load(m, "e4m3", DataType.FLOAT32).toFloatArray());
			NDArray ids = st.load(m, "ids", DataType.FLOAT32);
			assertEquals(DataType.INT64, ids.getDataType());
			assertArrayEquals(new long[] { 0, 1, 2 }, ids.toLongArray());
			NDArray i16 = st.load(m, "i16", null);
			assertEquals(DataType.INT32, i16.getDataType());
			assertArrayEquals(new int[] { -3, 3 }, i16.toIntArray());
			NDArray u16 = st.load(m, "u16", null);
			assertEquals(DataType.INT32, u16.getDataType());
			assertArrayEquals(new int[] { 0xffff }, u16.toIntArray());
			assertArrayEquals(new long[] { 0xffffffffL }, st.load(m, "u32", null).toLongArray());
		}
	}

	@Test
	void acceptsWhatTheFormatAllows() throws Exception {
		byte[] four = le(4, Float.floatToIntBits(2));
		// An empty header, padding, leading whitespace, null metadata, unknown fields, zero-size tensors anywhere.
		String[] headers = {
			"{}", "{}      ", "  \n{}", "{\"__metadata__\":null}", "{\"__metadata__\":{}}",
			"{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"extra\":{\"x\":[1,2]}}}",
			"{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"a\":{\"dtype\":\"F32\",\"shape\":[1]," +
				"\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"U8\",\"shape\":[5,0],\"data_offsets\":[4,4]}}",
			"{\"b\":{\"data_offsets\":[0,4],\"shape\":[1,1,1],\"dtype\":\"I32\"}}", };
		for (String h : headers) {
			boolean hasData = h.contains("\"a\"") || h.contains("\"b\"");
			Path f = Files.write(tmp.resolve("ok.safetensors"), Writer.assemble(h, hasData ? four : new byte[0]));
			try (SafeTensors st = SafeTensors.open(f)) {
				for (String name : st.tensors().keySet()) st.readFloats(name);
				assertEquals(hasData ? 4 : 0, st.tensors().values().stream().mapToLong(SafeTensors.TensorInfo::byteCount).sum(), h);
			}
		}
	}

	static Stream<Arguments> malformed() {
		byte[] four = new byte[4], eight = new byte[8], twelve = new byte[12];
		String a4 = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
		List<Arguments> cases = new ArrayList<>();
		// The 8-byte header length (an unsigned 64-bit count).
		cases.add(Arguments.of("file shorter than the length field", new byte[] { 2, 0, 0 }, "shorter than the 8-byte"));
		cases.add(Arguments.of("header length 0", Writer.assemble(0, new byte[0], new byte[0]), "too short"));
		cases.add(Arguments.of("header length 1", Writer.assemble(1, "{".getBytes(), new byte[0]), "too short"));
		cases.add(Arguments.of("header length 2^62", Writer.assemble(1L << 62, "{}".getBytes(), new byte[0]),
			"4611686018427387904 bytes, more than"));
		cases.add(Arguments.of("header length 2^63", Writer.assemble(Long.MIN_VALUE, "{}".getBytes(), new byte[0]),
			"9223372036854775808 bytes, more than"));
		cases.add(Arguments.of("header length 2^64-1", Writer.assemble(-1L, "{}".getBytes(), new byte[0]),
			"18446744073709551615 bytes, more than"));
		cases.add(Arguments.of("header length past the limit", Writer.assemble(SafeTensors.MAX_HEADER_BYTES + 1,
			"{}".getBytes(), new byte[0]), "more than the 104857600 allowed"));
		cases.add(Arguments.of("header longer than the file", Writer.assemble(40, "{}".getBytes(), new byte[0]),
			"says 40 bytes but only 2 follow it"));
		cases.add(Arguments.of("a zip (torch.save) renamed", "PK\u0003\u0004rest of a zip archive".getBytes(
			StandardCharsets.ISO_8859_1), "pickled PyTorch checkpoint"));
		cases.add(Arguments.of("a bare pickle renamed", new byte[] { (byte) 0x80, 2, 'c', 'x', 'y', 'z', 0, 0, 0, 1 },
			"unpickling can run arbitrary code"));
		// Text and JSON syntax.
		byte[] latin1 = "{\"\u00e9\":{}}".getBytes(StandardCharsets.ISO_8859_1);
		cases.add(Arguments.of("non-UTF-8 header", Writer.assemble(latin1.length, latin1, new byte[0]), "not valid UTF-8"));
		cases.add(Arguments.of("unterminated object", Writer.assemble("{\"a\":", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("single quotes", Writer.assemble("{'a':{}}", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("trailing comma", Writer.assemble("{" + a4 + ",}", four), "not valid JSON"));
		cases.add(Arguments.of("comment", Writer.assemble("{/* c */}", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("unquoted name", Writer.assemble("{a:1}", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("text after the object", Writer.assemble("{} {}", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("NUL padding", Writer.assemble("{}\0\0\0\0\0\0", new byte[0]), "not valid JSON"));
		cases.add(Arguments.of("root is a list", Writer.assemble("[]", new byte[0]), "not a JSON object"));
		cases.add(Arguments.of("root is a string", Writer.assemble("\"{}\"", new byte[0]), "not a JSON object"));
		cases.add(Arguments.of("deep nesting", Writer.assemble("{\"a\":{\"x\":" + "[".repeat(100_000) +
			"]".repeat(100_000) + "}}", new byte[0]), "deeper than 64 levels"));
		// Entries.
		cases.add(Arguments.of("entry is a number", Writer.assemble("{\"a\":1}", new byte[0]), "'a' is not an object"));
		cases.add(Arguments.of("entry is null", Writer.assemble("{\"a\":null}", new byte[0]), "'a' is not an object"));
		cases.add(Arguments.of("no dtype", Writer.assemble("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", four),
			"has no 'dtype'"));
		cases.add(Arguments.of("no shape", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", four),
			"has no 'shape'"));
		cases.add(Arguments.of("no offsets", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", four),
			"has no 'data_offsets'"));
		cases.add(Arguments.of("unknown dtype", entry("\"F128\"", "[1]", "[0,4]", four), "unknown dtype 'F128'"));
		cases.add(Arguments.of("lower-case dtype", entry("\"f32\"", "[1]", "[0,4]", four), "unknown dtype 'f32'"));
		cases.add(Arguments.of("sub-byte dtype", entry("\"F4\"", "[8]", "[0,4]", four), "sub-byte dtype 'F4'"));
		cases.add(Arguments.of("numeric dtype", entry("4", "[1]", "[0,4]", four), "dtype that is not a string"));
		// Shapes.
		cases.add(Arguments.of("negative dim", entry("\"F32\"", "[-1]", "[0,4]", four), "entry -1, which is not a non-negative"));
		cases.add(Arguments.of("fractional dim", entry("\"F32\"", "[1.5]", "[0,4]", four), "entry 1.5, which is not"));
		cases.add(Arguments.of("exponent dim", entry("\"F32\"", "[1e0]", "[0,4]", four), "entry 1e0, which is not"));
		cases.add(Arguments.of("string dim", entry("\"F32\"", "[\"1\"]", "[0,4]", four), "not a number"));
		cases.add(Arguments.of("nested dim", entry("\"F32\"", "[[1]]", "[0,4]", four), "not a number"));
		cases.add(Arguments.of("shape not a list", entry("\"F32\"", "1", "[0,4]", four), "shape that is not a list"));
		cases.add(Arguments.of("huge dim", entry("\"F32\"", "[99999999999999999999]", "[0,4]", four), "which is too large"));
		cases.add(Arguments.of("rank 17", entry("\"F32\"", "[1" + ",1".repeat(16) + "]", "[0,4]", four),
			"more than 16 entries in shape"));
		cases.add(Arguments.of("element count overflow", entry("\"U8\"", "[4294967296,4294967296]", "[0,4]", four),
			"overflows 64 bits"));
		cases.add(Arguments.of("byte size overflow", entry("\"F64\"", "[2305843009213693952]", "[0,4]", four),
			"overflows 64 bits"));
		// Offsets.
		cases.add(Arguments.of("one offset", entry("\"F32\"", "[1]", "[4]", four), "needs data_offsets [begin, end]"));
		cases.add(Arguments.of("three offsets", entry("\"F32\"", "[1]", "[0,4,4]", four), "more than 2 entries"));
		cases.add(Arguments.of("negative offset", entry("\"F32\"", "[1]", "[-4,0]", four), "not a non-negative"));
		cases.add(Arguments.of("begin after end", entry("\"F32\"", "[1]", "[4,0]", four), "end before they begin"));
		cases.add(Arguments.of("past the data", entry("\"F32\"", "[1]", "[0,4]", new byte[2]),
			"claims data bytes up to 4 but the data section holds only 2"));
		cases.add(Arguments.of("terabytes claimed", entry("\"F32\"", "[274877906944]", "[0,1099511627776]", four),
			"up to 1099511627776 but the data section holds only 4"));
		cases.add(Arguments.of("offset 2^63", entry("\"F32\"", "[1]", "[0,9223372036854775808]", four), "too large"));
		cases.add(Arguments.of("span shorter than dtype*shape", entry("\"F32\"", "[2]", "[0,4]", four),
			"spans 4 bytes but dtype F32 and shape [2] need 8"));
		cases.add(Arguments.of("span longer than dtype*shape", entry("\"F16\"", "[1]", "[0,4]", four), "need 2"));
		// Layout of the data section.
		cases.add(Arguments.of("overlapping tensors", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]," +
			"\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", twelve),
			"'a' and 'b' overlap"));
		cases.add(Arguments.of("same range twice", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]," +
			"\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", four), "overlap"));
		cases.add(Arguments.of("empty tensor inside another", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]," +
			"\"data_offsets\":[0,8]},\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", eight), "overlap"));
		cases.add(Arguments.of("hole before a tensor", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]," +
			"\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", twelve),
			"the 4 bytes before tensor 'b' belong to no tensor"));
		cases.add(Arguments.of("data not starting at 0", entry("\"F32\"", "[1]", "[4,8]", eight), "before tensor 'a'"));
		cases.add(Arguments.of("trailing data", Writer.assemble("{" + a4 + "}", eight),
			"the last 4 bytes of the data section belong to no tensor"));
		cases.add(Arguments.of("data but no tensors", Writer.assemble("{}", four), "last 4 bytes"));
		// Duplicate keys (the format forbids them; a JSON parser would keep one silently).
		cases.add(Arguments.of("duplicate tensor", Writer.assemble("{" + a4 + "," + a4 + "}", four), "tensor 'a' twice"));
		cases.add(Arguments.of("duplicate field", Writer.assemble("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\"," +
			"\"shape\":[1],\"data_offsets\":[0,4]}}", four), "has 'dtype' twice"));
		cases.add(Arguments.of("duplicate metadata", Writer.assemble("{\"__metadata__\":{},\"__metadata__\":{}}",
			new byte[0]), "'__metadata__' twice"));
		cases.add(Arguments.of("duplicate metadata key", Writer.assemble("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}",
			new byte[0]), "key 'k' twice"));
		// __metadata__ must map strings to strings.
		cases.add(Arguments.of("metadata value a number", Writer.assemble("{\"__metadata__\":{\"k\":1}}", new byte[0]),
			"metadata value 'k' is not a string"));
		cases.add(Arguments.of("metadata value an object", Writer.assemble("{\"__metadata__\":{\"k\":{\"a\":\"b\"}}}",
			new byte[0]), "metadata value 'k' is not a string"));
		cases.add(Arguments.of("metadata a string", Writer.assemble("{\"__metadata__\":\"pt\"}", new byte[0]),
			"'__metadata__' is not an object of strings"));
		// Names are quoted and escaped so that the message stays on one line.
		cases.add(Arguments.of("name with a newline", Writer.assemble("{\"bad\\nname\":1}", new byte[0]),
			"'bad\\u000aname' is not an object"));
		return cases.stream();
	}

	private static byte[] entry(String dtype, String shape, String offsets, byte[] data) {
		return Writer.assemble("{\"a\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}",
			data);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformed")
	void refusesMalformedFiles(String label, byte[] bytes, String expected) throws Exception {
		Path f = Files.write(tmp.resolve("bad.safetensors"), bytes);
		SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(f).close(), label);
		String message = e.getMessage();
		assertTrue(message.contains(expected), label + ": " + message);
		assertTrue(message.startsWith(f.toString() + ": "), message);
		assertTrue(message.endsWith("."), message);
		assertFalse(message.contains("\n") || message.contains("setLenient"), message);
		assertTrue(message.length() < 400, message);
	}

	@Test
	void refusesPickleExtensionsBeforeReading() {
		for (String name : new String[] { "model.ckpt", "pytorch_model.bin", "x.pt", "x.PTH", "x.pkl" }) {
			// The file does not exist: the refusal comes from the name alone.
			var e = assertThrows(SafeTensorsException.class, () -> SafeTensors.open(tmp.resolve(name)));
			assertTrue(e.getMessage().contains(name) && e.getMessage().contains("unpickling can run arbitrary code") &&
				e.getMessage().contains(".safetensors"), e.getMessage());
		}
	}

	@Test
	void fileShrunkAfterOpeningIsAnError() throws Exception {
		Path f = new Writer().addFloats("a", new long[] { 4 }, 1, 2, 3, 4).write(tmp.resolve("shrink.safetensors"));
		try (SafeTensors st = SafeTensors.open(f)) {
			try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
				ch.truncate(Files.size(f) - 4);
			}
			var e = assertThrows(SafeTensorsException.class, () -> st.readFloats("a"));
			assertTrue(e.getMessage().contains("changed while open"), e.getMessage());
		}
	}

	@Test
	void aLargeTensorOfAFileShrunkAfterOpeningIsAnErrorNotAFault() throws Exception {
		float[] values = new float[(int) (SafeTensors.MAP_MIN_BYTES / 4)];
		Path f = new Writer().addFloats("large", new long[] { values.length }, values).write(tmp.resolve("cut.safetensors"));
		try (SafeTensors st = SafeTensors.open(f); NDManager m = NDManager.newBaseManager()) {
			try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
				ch.truncate(Files.size(f) - 4096);
			}
			// mapped, the missing page would kill the JVM on first read (SIGBUS)
			var e = assertThrows(SafeTensorsException.class, () -> st.load(m, "large", DataType.FLOAT32));
			assertTrue(e.getMessage().contains("changed while open"), e.getMessage());
			assertEquals(0, st.mappedTensors);
		}
	}

	/** Little-endian bytes of {@code values}, each {@code width} bytes wide. */
	static byte[] le(int width, long... values) {
		ByteBuffer b = ByteBuffer.allocate(width * values.length).order(ByteOrder.LITTLE_ENDIAN);
		for (long v : values) {
			switch (width) {
				case 1 -> b.put((byte) v);
				case 2 -> b.putShort((short) v);
				case 4 -> b.putInt((int) v);
				default -> b.putLong(v);
			}
		}
		return b.array();
	}
}
