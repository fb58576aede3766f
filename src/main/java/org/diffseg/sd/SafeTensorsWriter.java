package org.diffseg.sd;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file, streaming the data of one tensor at a time (so a 3 GB model never sits in
 * memory), to a temporary file renamed into place only when complete.
 */
public final class SafeTensorsWriter {

	/** Produces a tensor's data in order, as little-endian bytes. */
	@FunctionalInterface
	public interface DataSource {
		void write(OutputStream out) throws IOException;
	}

	private record Entry(String name, SafeTensors.Dtype dtype, long[] shape, DataSource data) {}

	private final List<Entry> entries = new ArrayList<>();
	private final Map<String, String> metadata = new LinkedHashMap<>();

	public SafeTensorsWriter() {
		metadata.put("format", "pt");
	}

	public SafeTensorsWriter metadata(String key, String value) {
		metadata.put(key, value);
		return this;
	}

	public SafeTensorsWriter add(String name, SafeTensors.Dtype dtype, long[] shape, DataSource data) {
		entries.add(new Entry(name, dtype, shape.clone(), data));
		return this;
	}

	/** Adds a float32 tensor from values. */
	public SafeTensorsWriter addFloats(String name, long[] shape, float[] values) {
		return add(name, SafeTensors.Dtype.F32, shape, out -> {
			ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
			b.asFloatBuffer().put(values);
			out.write(b.array());
		});
	}

	/** Adds an int64 tensor from values. */
	public SafeTensorsWriter addLongs(String name, long[] shape, long[] values) {
		return add(name, SafeTensors.Dtype.I64, shape, out -> {
			ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
			b.asLongBuffer().put(values);
			out.write(b.array());
		});
	}

	public void write(Path file) throws IOException {
		JsonObject header = new JsonObject();
		JsonObject meta = new JsonObject();
		metadata.forEach(meta::addProperty);
		header.add("__metadata__", meta);
		long offset = 0;
		for (Entry e : entries) {
			long n = e.dtype().bytes;
			JsonArray shape = new JsonArray();
			for (long d : e.shape()) {
				shape.add(d);
				n *= d;
			}
			JsonObject t = new JsonObject();
			t.addProperty("dtype", e.dtype().name());
			t.add("shape", shape);
			JsonArray offsets = new JsonArray();
			offsets.add(offset);
			offsets.add(offset + n);
			t.add("data_offsets", offsets);
			header.add(e.name(), t);
			offset += n;
		}
		byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
		int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
		Path parent = file.toAbsolutePath().getParent();
		Files.createDirectories(parent);
		Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".part");
		try {
			try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
				ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
				out.write(len.array());
				out.write(json);
				for (int i = json.length; i < padded; i++) out.write(' ');
				CountingStream counter = new CountingStream(out);
				long expected = 0;
				for (Entry e : entries) {
					long n = e.dtype().bytes;
					for (long d : e.shape()) n *= d;
					expected += n;
					e.data().write(counter);
					if (counter.count != expected) throw new IOException("tensor '" + e.name() + "' wrote " +
						(counter.count - expected + n) + " bytes, expected " + n);
				}
			}
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		}
		finally {
			Files.deleteIfExists(tmp);
		}
	}

	private static final class CountingStream extends java.io.FilterOutputStream {
		long count;

		CountingStream(OutputStream out) {
			super(out);
		}

		@Override
		public void write(int b) throws IOException {
			out.write(b);
			count++;
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			out.write(b, off, len);
			count += len;
		}

		@Override
		public void close() {
			// the caller closes the underlying stream
		}
	}
}
