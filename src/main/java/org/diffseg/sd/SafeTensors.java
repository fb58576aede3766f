package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated view of one {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw data. Validation follows the reference
 * implementation (huggingface/safetensors): the header is strict UTF-8 JSON without duplicate keys, every
 * range matches its dtype and shape, and the ranges tile the data section exactly (no overlaps, holes or
 * trailing bytes). Every size read from the file is bounded before anything is allocated, so a corrupt or
 * hostile file gives a {@link SafeTensorsException} with one clear sentence, never an OutOfMemoryError.
 * Tensor data is streamed from the file when asked for, never memory-mapped for good, so loaded weights are
 * held once (in the engine), not twice.
 */
public final class SafeTensors implements AutoCloseable {

	/** Largest header we accept; real checkpoints have headers of a few hundred kB. */
	public static final long MAX_HEADER_BYTES = 100L << 20;
	/** Most dimensions a tensor may have. */
	public static final int MAX_RANK = 16;
	/** Deepest JSON nesting we parse; the format needs 3 (header, entry, shape). Bounds the parser's stacks. */
	private static final int MAX_JSON_DEPTH = 64;
	/** File extensions of pickled checkpoints. */
	private static final String[] PICKLE_EXTENSIONS = { ".ckpt", ".bin", ".pt", ".pth", ".pkl", ".pickle" };
	/** safetensors dtypes of fewer than 8 bits per element, which DiffSeg does not read. */
	private static final Set<String> SUB_BYTE_DTYPES = Set.of("F4", "F6_E2M3", "F6_E3M2");
	private static final Pattern JSON_POSITION = Pattern.compile("line \\d+ column \\d+");

	/** Element types of the safetensors format that DiffSeg reads. */
	public enum Dtype {
		F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1),
		U64(8), U32(4), U16(2), F8_E5M2(1), F8_E4M3(1);

		public final int bytes;

		Dtype(int bytes) {
			this.bytes = bytes;
		}

		public boolean isFloating() {
			return switch (this) {
				case F64, F32, F16, BF16, F8_E5M2, F8_E4M3 -> true;
				default -> false;
			};
		}

		static Dtype parse(String name) {
			for (Dtype d : values()) if (d.name().equals(name)) return d;
			return null;
		}
	}

	/** One entry of the header. {@code begin}/{@code end} are offsets into the data section. */
	public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
		public TensorInfo {
			shape = shape.clone();
		}

		/** A copy: the header's shape cannot be changed through it. */
		@Override
		public long[] shape() {
			return shape.clone();
		}

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
	/**
	 * Tensors of at least this size that keep their type are mapped from the file rather than copied ({@link #mapped});
	 * smaller ones (biases, norms) are copied, so a model does not become thousands of mappings.
	 */
	static final long MAP_MIN_BYTES = 1 << 20;
	/**
	 * {@code -Ddiffseg.map-weights=false} copies every tensor instead (a file system where mapping misbehaves, or a
	 * side-by-side benchmark).
	 */
	private static final boolean MAP_WEIGHTS = !"false".equalsIgnoreCase(System.getProperty("diffseg.map-weights"));
	/** Whether large tensors that keep their type are mapped here (Linux, not switched off) rather than copied. */
	public static boolean mapsWeights() {
		return MAP_WEIGHTS && FileMapping.available();
	}

	/** How many tensors {@link #load} mapped rather than copied (for tests). */
	int mappedTensors;
	/** Reused for every {@link #load}: weights pass through one buffer instead of one direct buffer per tensor. */
	private ByteBuffer staging;
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
			ByteBuffer first = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
			readFully(path, channel, first, 0);
			// An unsigned 64-bit count: as a signed long, lengths of 2^63 and more are negative.
			long headerLength = first.getLong(0);
			if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
				if (looksPickled(first)) throw pickleRefusal(path, "is a pickled PyTorch checkpoint, not a safetensors file");
				if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) throw bad(path, "the header length field says " +
					Long.toUnsignedString(headerLength) + " bytes, more than the " + MAX_HEADER_BYTES + " allowed");
				if (headerLength < 2) throw bad(path, "the header length field says " + headerLength +
					" bytes, too short for a JSON object");
				throw bad(path, "the header length field says " + headerLength + " bytes but only " + (fileSize - 8) +
					" follow it (truncated file?)");
			}
			byte[] header = new byte[(int) headerLength];
			readFully(path, channel, ByteBuffer.wrap(header), 8);
			long dataStart = 8 + headerLength;
			Header parsed = parseHeader(path, header, fileSize - dataStart);
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
		for (String ext : PICKLE_EXTENSIONS) {
			if (name.endsWith(ext)) throw pickleRefusal(path, "is a pickled '" + ext + "' file");
		}
	}

	/** Whether a file name has the extension of a pickled checkpoint. */
	static boolean isPickleName(String fileName) {
		String name = fileName.toLowerCase(Locale.ROOT);
		for (String ext : PICKLE_EXTENSIONS) if (name.endsWith(ext)) return true;
		return false;
	}

	static SafeTensorsException pickleRefusal(Path path, String what) {
		return new SafeTensorsException(path + ": refusing to load it: it " + what + ", and unpickling can run " +
			"arbitrary code. Download the .safetensors version of the weights (Hugging Face model folders offer " +
			"model.safetensors / diffusion_pytorch_model.safetensors).");
	}

	/** torch.save writes a zip archive (since PyTorch 1.6) or a bare pickle (protocol 2 to 5). */
	private static boolean looksPickled(ByteBuffer first8) {
		int b0 = first8.get(0) & 0xff, b1 = first8.get(1) & 0xff;
		boolean zip = b0 == 'P' && b1 == 'K' && first8.get(2) == 3 && first8.get(3) == 4;
		boolean pickle = b0 == 0x80 && b1 >= 2 && b1 <= 5;
		return zip || pickle;
	}

	private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

	private static Header parseHeader(Path path, byte[] header, long dataBytes) throws SafeTensorsException {
		checkNesting(path, header);
		Header h = readJsonObject(header, "the header", what -> bad(path, what), r -> {
			Map<String, TensorInfo> tensors = new LinkedHashMap<>();
			Map<String, String> metadata = new LinkedHashMap<>();
			boolean sawMetadata = false;
			while (r.hasNext()) {
				String name = r.nextName();
				if (name.equals("__metadata__")) {
					if (sawMetadata) throw bad(path, "the header has the key '__metadata__' twice");
					sawMetadata = true;
					readMetadata(path, r, metadata);
				}
				else {
					if (tensors.containsKey(name)) throw bad(path, "the header names tensor " + quote(name) + " twice");
					tensors.put(name, readEntry(path, r, name, dataBytes));
				}
			}
			return new Header(tensors, metadata);
		});
		checkTiling(path, h.tensors().values(), dataBytes);
		return new Header(Collections.unmodifiableMap(h.tensors()), Collections.unmodifiableMap(h.metadata()));
	}

	/** Reads the members of a JSON object, up to its end; what it returns is {@link #readJsonObject}'s result. */
	@FunctionalInterface
	interface JsonMembers<T> {
		T read(JsonReader r) throws IOException;
	}

	/**
	 * Reads {@code json} as one JSON object, strictly (a malformed UTF-8 sequence is an error, not a replacement
	 * character; no lenient parsing), with {@code members} reading what is inside its braces. Every failure is
	 * {@code bad}'s exception, worded with {@code subject} ("the header", "it"): not an object, not UTF-8, not JSON
	 * (Gson's problem and where, without its advice), text after the object; {@code members}' own exceptions pass.
	 */
	static <T> T readJsonObject(byte[] json, String subject, Function<String, SafeTensorsException> bad,
		JsonMembers<T> members) throws SafeTensorsException
	{
		var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT);
		try (JsonReader r = new JsonReader(new InputStreamReader(new ByteArrayInputStream(json), decoder))) {
			r.setLenient(false);
			if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad.apply(subject + " is not a JSON object");
			r.beginObject();
			T result = members.read(r);
			r.endObject();
			if (r.peek() != JsonToken.END_DOCUMENT) throw bad.apply(subject + " has text after its JSON object");
			return result;
		}
		catch (CharacterCodingException e) {
			throw bad.apply(subject + " is not valid UTF-8");
		}
		catch (SafeTensorsException e) {
			throw e;
		}
		catch (IOException | IllegalStateException e) {
			// Gson reports syntax errors as MalformedJsonException/EOFException and wrong token types as
			// IllegalStateException; keep only what and where, not its advice to enable lenient parsing.
			throw bad.apply(subject + " is not valid JSON (" + jsonProblem(e.getMessage()) + ")");
		}
	}

	/** Refuses deep nesting before Gson sees it: its reader keeps per-level stacks that grow without limit. */
	private static void checkNesting(Path path, byte[] json) throws SafeTensorsException {
		if (nestsDeeperThan(json, MAX_JSON_DEPTH)) throw bad(path, "the header nests JSON deeper than " +
			MAX_JSON_DEPTH + " levels");
	}

	/** Whether UTF-8 JSON text opens more than {@code max} objects/arrays inside each other (strings skipped). */
	static boolean nestsDeeperThan(byte[] json, int max) {
		int depth = 0;
		boolean inString = false;
		for (int i = 0; i < json.length; i++) {
			byte c = json[i];
			if (inString) {
				if (c == '\\') i++;
				else if (c == '"') inString = false;
			}
			else if (c == '"') inString = true;
			else if (c == '{' || c == '[') {
				if (++depth > max) return true;
			}
			else if (c == '}' || c == ']') depth--;
		}
		return false;
	}

	private static void readMetadata(Path path, JsonReader r, Map<String, String> metadata) throws IOException {
		if (r.peek() == JsonToken.NULL) {
			r.nextNull();
			return;
		}
		if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "'__metadata__' is not an object of strings");
		r.beginObject();
		while (r.hasNext()) {
			String key = r.nextName();
			if (r.peek() != JsonToken.STRING) throw bad(path, "metadata value " + quote(key) + " is not a string");
			if (metadata.put(key, r.nextString()) != null) throw bad(path, "the metadata has the key " + quote(key) +
				" twice");
		}
		r.endObject();
	}

	private static TensorInfo readEntry(Path path, JsonReader r, String name, long dataBytes) throws IOException {
		String tensor = "tensor " + quote(name);
		if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "header entry " + quote(name) + " is not an object");
		r.beginObject();
		String dtypeName = null;
		long[] shape = null, offsets = null;
		while (r.hasNext()) {
			String field = r.nextName();
			switch (field) {
				case "dtype" -> {
					if (dtypeName != null) throw bad(path, tensor + " has 'dtype' twice");
					if (r.peek() != JsonToken.STRING) throw bad(path, tensor + " has a dtype that is not a string");
					dtypeName = r.nextString();
				}
				case "shape" -> {
					if (shape != null) throw bad(path, tensor + " has 'shape' twice");
					shape = readCounts(path, r, tensor, "shape", MAX_RANK);
				}
				case "data_offsets" -> {
					if (offsets != null) throw bad(path, tensor + " has 'data_offsets' twice");
					offsets = readCounts(path, r, tensor, "data_offsets", 2);
					if (offsets.length != 2) throw bad(path, tensor + " needs data_offsets [begin, end]");
				}
				default -> r.skipValue(); // the reference implementation ignores unknown fields too
			}
		}
		r.endObject();
		if (dtypeName == null) throw bad(path, tensor + " has no 'dtype'");
		if (shape == null) throw bad(path, tensor + " has no 'shape'");
		if (offsets == null) throw bad(path, tensor + " has no 'data_offsets'");
		Dtype dtype = Dtype.parse(dtypeName);
		if (dtype == null && SUB_BYTE_DTYPES.contains(dtypeName)) throw bad(path, tensor + " has the sub-byte dtype " +
			quote(dtypeName) + ", which DiffSeg cannot read");
		if (dtype == null) throw bad(path, tensor + " has the unknown dtype " + quote(dtypeName));
		long begin = offsets[0], end = offsets[1];
		if (end < begin) throw bad(path, tensor + " has data_offsets [" + begin + ", " + end + "] that end before they begin");
		if (end > dataBytes) throw bad(path, tensor + " claims data bytes up to " + end + " but the data section holds only " +
			dataBytes + " (truncated file?)");
		long expected;
		try {
			long elements = 1;
			for (long d : shape) elements = Math.multiplyExact(elements, d);
			expected = Math.multiplyExact(elements, (long) dtype.bytes);
		}
		catch (ArithmeticException ex) {
			throw bad(path, tensor + " has a shape whose byte size overflows 64 bits");
		}
		TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
		if (end - begin != expected) throw bad(path, tensor + " spans " + (end - begin) + " bytes but dtype " + dtype +
			" and shape " + info.shapeString() + " need " + expected);
		return info;
	}

	/** A JSON list of non-negative integers (at most {@code max} of them): shapes and offsets. */
	private static long[] readCounts(Path path, JsonReader r, String tensor, String field, int max) throws IOException {
		if (r.peek() != JsonToken.BEGIN_ARRAY) throw bad(path, tensor + " has a " + field + " that is not a list");
		r.beginArray();
		long[] values = new long[max];
		int n = 0;
		while (r.hasNext()) {
			if (n == max) throw bad(path, tensor + " has more than " + max + " entries in " + field);
			if (r.peek() != JsonToken.NUMBER) throw bad(path, tensor + " has a " + field + " entry that is not a number");
			String text = r.nextString();
			if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) throw bad(path, tensor +
				" has the " + field + " entry " + abbreviate(text) + ", which is not a non-negative integer");
			try {
				values[n++] = Long.parseLong(text);
			}
			catch (NumberFormatException e) {
				throw bad(path, tensor + " has the " + field + " entry " + abbreviate(text) + ", which is too large");
			}
		}
		r.endArray();
		return Arrays.copyOf(values, n);
	}

	/** The ranges must tile the data section: sorted by offset, each begins where the previous ended. */
	private static void checkTiling(Path path, Iterable<TensorInfo> infos, long dataBytes) throws SafeTensorsException {
		List<TensorInfo> sorted = new ArrayList<>();
		infos.forEach(sorted::add);
		sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
		long next = 0;
		TensorInfo previous = null;
		for (TensorInfo t : sorted) {
			if (t.begin() < next) throw bad(path, "tensors " + quote(previous.name()) + " and " + quote(t.name()) +
				" overlap in the data section");
			if (t.begin() > next) throw bad(path, "the " + (t.begin() - next) + " bytes before tensor " + quote(t.name()) +
				" belong to no tensor (the data section must be packed)");
			next = t.end();
			previous = t;
		}
		if (next != dataBytes) throw bad(path, "the last " + (dataBytes - next) + " bytes of the data section belong to " +
			"no tensor (trailing data)");
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
		if (t == null) throw new IllegalArgumentException(path + " has no tensor " + quote(name));
		return t;
	}

	/** Reads one tensor's raw little-endian bytes into a new direct buffer. */
	public ByteBuffer readBytes(String name) throws IOException {
		TensorInfo t = info(name);
		if (t.byteCount() > Integer.MAX_VALUE - 8) throw new SafeTensorsException(path + ": tensor " + quote(name) +
			" is larger than 2 GiB, which DiffSeg cannot read into one buffer.");
		// a heap buffer, filled in slices: the JDK caches a temporary direct buffer as large as the largest read
		ByteBuffer b = ByteBuffer.allocate((int) t.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
		readSliced(t, b);
		return b.flip();
	}

	private static final int SLICE = 8 << 20;

	private void readSliced(TensorInfo t, ByteBuffer b) throws IOException {
		long pos = dataStart + t.begin();
		while (b.hasRemaining()) {
			int n = Math.min(b.remaining(), SLICE);
			ByteBuffer slice = b.slice().limit(n);
			readFully(path, channel, slice, pos);
			b.position(b.position() + n);
			pos += n;
		}
	}

	/** The tensor's bytes in the reused direct staging buffer (valid until the next call). */
	private ByteBuffer stage(TensorInfo t) throws IOException {
		if (t.byteCount() > Integer.MAX_VALUE - 8) throw new SafeTensorsException(path + ": tensor " + quote(t.name()) +
			" is larger than 2 GiB, which DiffSeg cannot read into one buffer.");
		int n = (int) t.byteCount();
		if (staging == null || staging.capacity() < n) {
			DirectBuffers.free(staging);
			staging = ByteBuffer.allocateDirect(Math.max(n, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
		}
		staging.clear().limit(n);
		readFully(path, channel, staging, dataStart + t.begin());
		return staging.flip();
	}

	/**
	 * A tensor of the file's bytes: mapped ({@link #mapped}) where it keeps its type and is large, else staged and then
	 * copied (or converted) into engine-owned memory, since DJL wraps a direct buffer without copying and the staging
	 * buffer is reused.
	 */
	private NDArray fromFile(NDManager manager, TensorInfo t, Shape shape, DataType type, DataType floatType)
		throws IOException
	{
		boolean keepsType = floatType == null || floatType == type || !type.isFloating();
		long offset = dataStart + t.begin();
		if (keepsType && t.byteCount() >= MAP_MIN_BYTES && offset % type.getNumOfBytes() == 0 &&
			!manager.getDevice().isGpu() && MAP_WEIGHTS && FileMapping.available())
		{
			NDArray array = mapped(manager, t, shape, type, offset);
			if (array != null) return array;
		}
		try (NDArray view = manager.create(stage(t), shape, type)) {
			if (type.isFloating() && floatType != null && floatType != type) return view.toType(floatType, true);
			return view.duplicate();
		}
	}

	/**
	 * A tensor whose memory is the file's bytes, mapped copy-on-write: nothing is read, copied or zeroed at load (the
	 * page cache's pages are used as they are, brought in on first use), where copying made the kernel zero a fresh
	 * page for every 4 KiB of weights (measured on SD 1.5, 4.3 GB: half of the whole load's CPU time, most of it
	 * kernel time). A write to the tensor (training) copies the page, never touching the file. The mapping stays
	 * alive as long as {@code manager} (views of the tensor, a reshape kept by a module, may outlive the array itself)
	 * and is unmapped when it closes. The files must not be rewritten in place while a model is loaded; DiffSeg's
	 * writers replace a file by renaming a new one over it, which leaves the mapped one intact.
	 *
	 * @return the tensor, or null where the file cannot be mapped (then it is copied)
	 */
	private NDArray mapped(NDManager manager, TensorInfo t, Shape shape, DataType type, long offset) throws IOException {
		// a file cut short since it was opened would fault (SIGBUS) on a mapped read: the copy path reports it instead
		if (channel.size() < offset + t.byteCount()) return null;
		FileMapping mapping = FileMapping.privateCopyOnWrite(path, offset, t.byteCount());
		if (mapping == null) return null;
		try {
			NDArray array = manager.create(mapping.bytes(), shape, type);
			mappedTensors++;
			manager.attachInternal("mapping of " + t.name() + " in " + path + " " + System.identityHashCode(mapping), mapping);
			return array;
		}
		catch (RuntimeException e) {
			mapping.close();
			throw e;
		}
	}

	/**
	 * Loads a tensor into {@code manager}. Floating-point tensors are converted to {@code floatType} (null keeps
	 * them; bfloat16 and float8 are widened to float32 in Java: DJL's CPU engine aborts on bfloat16 arrays).
	 * Integer tensors keep their type, except that 16-bit ones become int32 (DJL's PyTorch engine aborts the JVM on
	 * int16 arrays) and unsigned 32/64-bit ones int64.
	 */
	public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
		TensorInfo t = info(name);
		Shape shape = new Shape(t.shape);
		NDArray array = switch (t.dtype()) {
			case BF16, F8_E5M2, F8_E4M3 -> manager.create(readFloats(name), shape);
			case F16 -> fromFile(manager, t, shape, DataType.FLOAT16, floatType);
			case F32 -> fromFile(manager, t, shape, DataType.FLOAT32, floatType);
			case F64 -> fromFile(manager, t, shape, DataType.FLOAT64, floatType);
			case I64 -> fromFile(manager, t, shape, DataType.INT64, null);
			case I32 -> fromFile(manager, t, shape, DataType.INT32, null);
			case I8 -> fromFile(manager, t, shape, DataType.INT8, null);
			case U8 -> fromFile(manager, t, shape, DataType.UINT8, null);
			case BOOL -> fromFile(manager, t, shape, DataType.BOOLEAN, null);
			case I16, U16 -> manager.create(toInts(readLongs(name)), shape);
			case U32, U64 -> manager.create(readLongs(name), shape);
		};
		if (array.getDataType().isFloating() && floatType != null && array.getDataType() != floatType) {
			NDArray converted = array.toType(floatType, false);
			array.close();
			array = converted;
		}
		array.setName(name);
		return array;
	}

	private static int[] toInts(long[] values) {
		int[] out = new int[values.length];
		for (int i = 0; i < out.length; i++) out[i] = (int) values[i];
		return out;
	}

	/** Reads a tensor's values as float32 (for tests and small tensors; integers are converted). */
	public float[] readFloats(String name) throws IOException {
		TensorInfo t = info(name);
		ByteBuffer b = readBytes(name);
		float[] out = new float[Math.toIntExact(t.elementCount())];
		switch (t.dtype()) {
			case F32 -> b.asFloatBuffer().get(out);
			case F64 -> { for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(); }
			case F16 -> { for (int i = 0; i < out.length; i++) out[i] = halfToFloat(b.getShort()); }
			case BF16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16); }
			case F8_E5M2 -> { for (int i = 0; i < out.length; i++) out[i] = halfToFloat((short) (b.get() << 8)); }
			case F8_E4M3 -> { for (int i = 0; i < out.length; i++) out[i] = e4m3ToFloat(b.get()); }
			case I64 -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(); }
			case U64 -> { for (int i = 0; i < out.length; i++) out[i] = unsignedToFloat(b.getLong()); }
			case I32, U32, I16, U16, I8, U8, BOOL -> {
				for (int i = 0; i < out.length; i++) out[i] = narrowInteger(t.dtype(), b);
			}
		}
		return out;
	}

	/** Reads an integer tensor as longs. Unsigned 64-bit values of 2^63 and more cannot be longs and are refused. */
	public long[] readLongs(String name) throws IOException {
		TensorInfo t = info(name);
		if (t.dtype().isFloating()) throw new IllegalArgumentException("tensor " + quote(name) + " is not an integer tensor");
		ByteBuffer b = readBytes(name);
		long[] out = new long[Math.toIntExact(t.elementCount())];
		switch (t.dtype()) {
			case I64 -> { for (int i = 0; i < out.length; i++) out[i] = b.getLong(); }
			case U64 -> {
				for (int i = 0; i < out.length; i++) {
					out[i] = b.getLong();
					if (out[i] < 0) throw new SafeTensorsException(path + ": tensor " + quote(name) + " holds the U64 value " +
						Long.toUnsignedString(out[i]) + ", which DiffSeg cannot represent as a signed 64-bit integer.");
				}
			}
			case I32, U32, I16, U16, I8, U8, BOOL -> {
				for (int i = 0; i < out.length; i++) out[i] = narrowInteger(t.dtype(), b);
			}
			default -> throw new IllegalStateException("unreachable: " + t.dtype());
		}
		return out;
	}

	/** The next element of an integer tensor of 32 bits or fewer, as readFloats and readLongs take it. */
	private static long narrowInteger(Dtype dtype, ByteBuffer b) {
		return switch (dtype) {
			case I32 -> b.getInt();
			case U32 -> b.getInt() & 0xffffffffL;
			case I16 -> b.getShort();
			case U16 -> b.getShort() & 0xffff;
			case I8 -> b.get();
			case U8, BOOL -> b.get() & 0xff;
			default -> throw new IllegalStateException("not an integer of 32 bits or fewer: " + dtype);
		};
	}

	@Override
	public void close() throws IOException {
		DirectBuffers.free(staging);
		staging = null;
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

	/** OCP float8 E4M3 ("FN": no infinities, only S.1111.111 is NaN) to float. */
	static float e4m3ToFloat(byte v) {
		int bits = v & 0xff;
		int exp = (bits >>> 3) & 0xf, mant = bits & 0x7;
		float magnitude;
		if (exp == 0xf && mant == 0x7) magnitude = Float.NaN;
		else if (exp == 0) magnitude = mant * 0x1p-9f;
		else magnitude = Float.intBitsToFloat(((exp + 120) << 23) | (mant << 20));
		return (bits & 0x80) != 0 ? -magnitude : magnitude;
	}

	private static float unsignedToFloat(long v) {
		return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2f;
	}

	private static void readFully(Path path, FileChannel channel, ByteBuffer buffer, long position) throws IOException {
		long pos = position;
		while (buffer.hasRemaining()) {
			int n = channel.read(buffer, pos);
			if (n < 0) throw new SafeTensorsException(path + ": the file ended at byte " + pos +
				", before the data its header describes (was it changed while open?).");
			pos += n;
		}
	}

	private static SafeTensorsException bad(Path path, String what) {
		return new SafeTensorsException(path + ": not a valid safetensors file: " + what + ".");
	}

	/** A name for a one-line message: quoted, control characters escaped, long names cut. */
	static String quote(String s) {
		StringBuilder b = new StringBuilder("'");
		for (int i = 0; i < s.length() && i < 200; i++) {
			char c = s.charAt(i);
			if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR ||
				Character.getType(c) == Character.PARAGRAPH_SEPARATOR) b.append(String.format("\\u%04x", (int) c));
			else b.append(c);
		}
		if (s.length() > 200) b.append("...");
		return b.append('\'').toString();
	}

	private static String abbreviate(String s) {
		return s.length() <= 40 ? s : s.substring(0, 40) + "...";
	}

	/** Gson's description of a syntax error, without its advice to parse leniently. */
	static String jsonProblem(String gsonMessage) {
		if (gsonMessage == null) return "syntax error";
		Matcher where = JSON_POSITION.matcher(gsonMessage);
		int at = gsonMessage.indexOf(" at line ");
		String what = at > 0 ? gsonMessage.substring(0, at) : "syntax error";
		if (what.contains("setLenient") || what.contains("\n")) what = "syntax error";
		what = what.isEmpty() ? "syntax error" : Character.toLowerCase(what.charAt(0)) + what.substring(1);
		return where.find() ? what + " at " + where.group() : what;
	}

	/** A malformed or refused weights file; the message says what is wrong and how to fix it. */
	public static final class SafeTensorsException extends IOException {
		public SafeTensorsException(String message) {
			super(message);
		}
	}
}
