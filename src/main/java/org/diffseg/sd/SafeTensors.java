package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validated view of one {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw data. Every size read from the file is
 * bounded before anything is allocated, so a corrupt or hostile file gives a {@link SafeTensorsException}
 * with one clear sentence, never an OutOfMemoryError. Tensor data is streamed from the file when asked for,
 * never memory-mapped for good, so loaded weights are held once (in the engine), not twice.
 */
public final class SafeTensors implements AutoCloseable {

	/** Largest header we accept; real checkpoints have headers of a few hundred kB. */
	public static final long MAX_HEADER_BYTES = 100L << 20;
	/** Most dimensions a tensor may have. */
	public static final int MAX_RANK = 16;

	/** Element types of the safetensors format. */
	public enum Dtype {
		F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

		public final int bytes;

		Dtype(int bytes) {
			this.bytes = bytes;
		}
	}

	/** One entry of the header. {@code begin}/{@code end} are offsets into the data section. */
	public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
		public long elementCount() {
			long n = 1;
			for (long d : shape) n *= d;
			return n;
		}

		public long byteCount() {
			return end - begin;
		}

		public String shapeString() {
			StringBuilder b = new StringBuilder("[");
			for (int i = 0; i < shape.length; i++) b.append(i == 0 ? "" : ", ").append(shape[i]);
			return b.append(']').toString();
		}
	}

	private final Path path;
	private final FileChannel channel;
	private final long dataStart;
	private final Map<String, TensorInfo> tensors;
	private final Map<String, String> metadata;

	private SafeTensors(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
		Map<String, String> metadata)
	{
		this.path = path;
		this.channel = channel;
		this.dataStart = dataStart;
		this.tensors = tensors;
		this.metadata = metadata;
	}

	/** Opens and validates a file. Refuses pickled formats by extension before reading anything. */
	public static SafeTensors open(Path path) throws IOException {
		refusePickle(path);
		FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
		try {
			long fileSize = channel.size();
			if (fileSize < 8) throw bad(path, "the file is " + fileSize + " bytes, shorter than the 8-byte header length");
			ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
			readFully(channel, lengthBuffer, 0);
			long headerLength = lengthBuffer.flip().getLong();
			if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) throw bad(path, "the header length " +
				Long.toUnsignedString(headerLength) + " is outside 2.." + MAX_HEADER_BYTES + " bytes");
			if (headerLength > fileSize - 8) throw bad(path, "the header claims " + headerLength +
				" bytes but the file has only " + (fileSize - 8) + " after the length field (truncated file?)");
			ByteBuffer header = ByteBuffer.allocate((int) headerLength);
			readFully(channel, header, 8);
			String json = new String(header.array(), StandardCharsets.UTF_8);
			long dataStart = 8 + headerLength;
			Header parsed = parseHeader(path, json, fileSize - dataStart);
			return new SafeTensors(path, channel, dataStart, parsed.tensors, parsed.metadata);
		}
		catch (IOException | RuntimeException e) {
			channel.close();
			throw e;
		}
	}

	/** Pickled checkpoints can run arbitrary code when loaded; we never read them. */
	public static void refusePickle(Path path) throws SafeTensorsException {
		String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
		for (String ext : new String[] { ".ckpt", ".bin", ".pt", ".pth", ".pkl", ".pickle" }) {
			if (name.endsWith(ext)) throw new SafeTensorsException(path + ": refusing to load a pickled '" + ext +
				"' file: unpickling can run arbitrary code. Download the .safetensors version of the weights " +
				"(Hugging Face model folders offer model.safetensors / diffusion_pytorch_model.safetensors).");
		}
	}

	private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

	private static Header parseHeader(Path path, String json, long dataBytes) throws SafeTensorsException {
		JsonElement root;
		try {
			root = JsonParser.parseString(json);
		}
		catch (JsonSyntaxException | IllegalStateException e) {
			throw bad(path, "the header is not valid JSON (" + firstLine(e.getMessage()) + ")");
		}
		if (!root.isJsonObject()) throw bad(path, "the header is not a JSON object");
		Map<String, TensorInfo> tensors = new LinkedHashMap<>();
		Map<String, String> metadata = new LinkedHashMap<>();
		for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
			String name = e.getKey();
			if (!e.getValue().isJsonObject()) throw bad(path, "header entry '" + name + "' is not an object");
			JsonObject o = e.getValue().getAsJsonObject();
			if (name.equals("__metadata__")) {
				for (Map.Entry<String, JsonElement> m : o.entrySet()) {
					if (!m.getValue().isJsonPrimitive()) throw bad(path, "metadata value '" + m.getKey() + "' is not a string");
					metadata.put(m.getKey(), m.getValue().getAsString());
				}
				continue;
			}
			tensors.put(name, parseEntry(path, name, o, dataBytes));
		}
		// Tensors must not overlap (each byte belongs to at most one tensor).
		List<TensorInfo> sorted = new ArrayList<>(tensors.values());
		sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
		for (int i = 1; i < sorted.size(); i++) {
			TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
			if (b.begin() < a.end() && b.byteCount() > 0 && a.byteCount() > 0) throw bad(path, "tensors '" + a.name() +
				"' and '" + b.name() + "' overlap in the data section");
		}
		return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
	}

	private static TensorInfo parseEntry(Path path, String name, JsonObject o, long dataBytes)
		throws SafeTensorsException
	{
		JsonElement dt = o.get("dtype"), sh = o.get("shape"), off = o.get("data_offsets");
		if (dt == null || sh == null || off == null) throw bad(path, "tensor '" + name +
			"' lacks one of dtype, shape, data_offsets");
		Dtype dtype;
		try {
			dtype = Dtype.valueOf(dt.getAsString());
		}
		catch (RuntimeException e) {
			throw bad(path, "tensor '" + name + "' has unknown dtype " + dt);
		}
		if (!sh.isJsonArray()) throw bad(path, "tensor '" + name + "' has a shape that is not a list");
		if (sh.getAsJsonArray().size() > MAX_RANK) throw bad(path, "tensor '" + name + "' has more than " + MAX_RANK +
			" dimensions");
		long[] shape = new long[sh.getAsJsonArray().size()];
		long elements = 1;
		for (int i = 0; i < shape.length; i++) {
			shape[i] = nonNegativeLong(path, name, "shape", sh.getAsJsonArray().get(i));
			try {
				elements = Math.multiplyExact(elements, shape[i]);
			}
			catch (ArithmeticException ex) {
				throw bad(path, "tensor '" + name + "' has a shape whose size overflows");
			}
		}
		if (!off.isJsonArray() || off.getAsJsonArray().size() != 2) throw bad(path, "tensor '" + name +
			"' needs data_offsets [begin, end]");
		long begin = nonNegativeLong(path, name, "data_offsets", off.getAsJsonArray().get(0));
		long end = nonNegativeLong(path, name, "data_offsets", off.getAsJsonArray().get(1));
		if (end < begin) throw bad(path, "tensor '" + name + "' ends before it begins");
		if (end > dataBytes) throw bad(path, "tensor '" + name + "' claims bytes up to " + end +
			" but the data section holds only " + dataBytes + " (truncated file?)");
		long expected;
		try {
			expected = Math.multiplyExact(elements, (long) dtype.bytes);
		}
		catch (ArithmeticException ex) {
			throw bad(path, "tensor '" + name + "' has a shape whose byte size overflows");
		}
		if (end - begin != expected) throw bad(path, "tensor '" + name + "' spans " + (end - begin) +
			" bytes but its dtype and shape need " + expected);
		return new TensorInfo(name, dtype, shape, begin, end);
	}

	private static long nonNegativeLong(Path path, String name, String field, JsonElement e)
		throws SafeTensorsException
	{
		try {
			if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw new NumberFormatException();
			java.math.BigDecimal v = e.getAsBigDecimal();
			long l = v.longValueExact();
			if (l < 0) throw new NumberFormatException();
			return l;
		}
		catch (RuntimeException ex) {
			throw bad(path, "tensor '" + name + "' has an invalid " + field + " value " + e);
		}
	}

	public Path path() {
		return path;
	}

	/** Tensors in header order. */
	public Map<String, TensorInfo> tensors() {
		return tensors;
	}

	public Map<String, String> metadata() {
		return metadata;
	}

	public TensorInfo info(String name) {
		TensorInfo t = tensors.get(name);
		if (t == null) throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
		return t;
	}

	/** Reads one tensor's raw little-endian bytes into a new direct buffer. */
	public ByteBuffer readBytes(String name) throws IOException {
		TensorInfo t = info(name);
		if (t.byteCount() > Integer.MAX_VALUE - 8) throw bad(path, "tensor '" + name + "' is larger than 2 GiB");
		ByteBuffer b = ByteBuffer.allocateDirect((int) t.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
		readFully(channel, b, dataStart + t.begin());
		return b.flip();
	}

	/**
	 * Loads a tensor into {@code manager}. Floating-point tensors are converted to {@code floatType}
	 * (bfloat16 is widened in Java: DJL's CPU engine aborts on bfloat16 arrays); integer tensors keep their type.
	 */
	public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
		TensorInfo t = info(name);
		Shape shape = new Shape(t.shape());
		ByteBuffer bytes = readBytes(name);
		NDArray array;
		switch (t.dtype()) {
			case BF16 -> {
				ByteBuffer f32 = ByteBuffer.allocateDirect(bytes.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
				while (bytes.remaining() >= 2) f32.putInt((bytes.getShort() & 0xffff) << 16);
				array = manager.create(f32.flip(), shape, DataType.FLOAT32);
			}
			case F16 -> array = manager.create(bytes, shape, DataType.FLOAT16);
			case F32 -> array = manager.create(bytes, shape, DataType.FLOAT32);
			case F64 -> array = manager.create(bytes, shape, DataType.FLOAT64);
			case I64 -> array = manager.create(bytes, shape, DataType.INT64);
			case I32 -> array = manager.create(bytes, shape, DataType.INT32);
			case I8 -> array = manager.create(bytes, shape, DataType.INT8);
			case U8 -> array = manager.create(bytes, shape, DataType.UINT8);
			case BOOL -> array = manager.create(bytes, shape, DataType.BOOLEAN);
			default -> throw bad(path, "tensor '" + name + "' has dtype " + t.dtype() + ", which DiffSeg cannot load");
		}
		if (array.getDataType().isFloating() && floatType != null && array.getDataType() != floatType) {
			NDArray converted = array.toType(floatType, false);
			array.close();
			array = converted;
		}
		array.setName(name);
		return array;
	}

	/** Loads a tensor as float32 and returns its values (for tests and small tensors). */
	public float[] readFloats(String name) throws IOException {
		TensorInfo t = info(name);
		ByteBuffer b = readBytes(name);
		float[] out = new float[Math.toIntExact(t.elementCount())];
		switch (t.dtype()) {
			case F32 -> b.asFloatBuffer().get(out);
			case F64 -> { for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(); }
			case F16 -> { for (int i = 0; i < out.length; i++) out[i] = halfToFloat(b.getShort()); }
			case BF16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16); }
			case I64 -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(); }
			case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(); }
			case U8, BOOL -> { for (int i = 0; i < out.length; i++) out[i] = b.get() & 0xff; }
			case I8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(); }
			case I16 -> { for (int i = 0; i < out.length; i++) out[i] = b.getShort(); }
		}
		return out;
	}

	/** Reads an integer tensor as longs. */
	public long[] readLongs(String name) throws IOException {
		TensorInfo t = info(name);
		ByteBuffer b = readBytes(name);
		long[] out = new long[Math.toIntExact(t.elementCount())];
		switch (t.dtype()) {
			case I64 -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(); }
			case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(); }
			case I16 -> { for (int i = 0; i < out.length; i++) out[i] = b.getShort(); }
			case I8 -> { for (int i = 0; i < out.length; i++) out[i] = b.get(); }
			case U8, BOOL -> { for (int i = 0; i < out.length; i++) out[i] = b.get() & 0xff; }
			default -> throw new IllegalArgumentException("tensor '" + name + "' is not an integer tensor");
		}
		return out;
	}

	@Override
	public void close() throws IOException {
		channel.close();
	}

	/** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
	public static float halfToFloat(short h) {
		int bits = h & 0xffff;
		int sign = (bits & 0x8000) << 16;
		int exp = (bits >>> 10) & 0x1f;
		int mant = bits & 0x3ff;
		if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
		if (exp == 0) {
			float v = mant * 0x1p-24f;
			return sign == 0 ? v : -v;
		}
		return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
	}

	private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
		long pos = position;
		while (buffer.hasRemaining()) {
			int n = channel.read(buffer, pos);
			if (n < 0) throw new IOException("unexpected end of file");
			pos += n;
		}
	}

	private static SafeTensorsException bad(Path path, String what) {
		return new SafeTensorsException(path + ": not a valid safetensors file: " + what + ".");
	}

	private static String firstLine(String s) {
		if (s == null) return "syntax error";
		int nl = s.indexOf('\n');
		return nl < 0 ? s : s.substring(0, nl);
	}

	/** A malformed or refused weights file; the message says what is wrong and how to fix it. */
	public static final class SafeTensorsException extends IOException {
		public SafeTensorsException(String message) {
			super(message);
		}
	}
}
