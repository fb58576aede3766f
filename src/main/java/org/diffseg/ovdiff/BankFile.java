package org.diffseg.ovdiff;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.diffseg.run.WriteErrors;
import org.diffseg.sd.SafeTensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The on-disk form of one prototype-bank entry: a {@code .safetensors} file whose {@code __metadata__} holds a JSON
 * document and the SHA-256 of that document and every tensor (name, dtype, shape, bytes, in name order). It is
 * written to a temporary file in the same folder, forced to disk and renamed over the target, so a reader sees the
 * old file or the new one, never a half-written one; a truncated or altered file fails the checksum and is refused.
 */
final class BankFile {
	static final String DOCUMENT_KEY = "ovdiff", CHECKSUM_KEY = "sha256";
	/** Temporary files carry this infix; readers skip them. */
	static final String TEMP_INFIX = ".tmp-";

	/** One tensor: float32 or int32, little-endian bytes. */
	record Tensor(SafeTensors.Dtype dtype, long[] shape, ByteBuffer data) {
		Tensor {
			if (dtype != SafeTensors.Dtype.F32 && dtype != SafeTensors.Dtype.I32) throw new IllegalArgumentException(
				"bank tensors are F32 or I32, not " + dtype);
			long n = 1;
			for (long d : shape) n *= d;
			if (data.remaining() != n * 4) throw new IllegalArgumentException("tensor data does not fit its shape");
			data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
		}

		static Tensor floats(float[] v, long... shape) {
			ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
			b.asFloatBuffer().put(v);
			return new Tensor(SafeTensors.Dtype.F32, shape, b);
		}

		static Tensor ints(int[] v, long... shape) {
			ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
			b.asIntBuffer().put(v);
			return new Tensor(SafeTensors.Dtype.I32, shape, b);
		}
	}

	record Contents(String document, Map<String, Tensor> tensors) {}

	/** A bank file that exists but cannot be trusted; the message names the file and the fix. */
	static final class DamagedException extends IOException {
		private final String why;

		DamagedException(String message, String why) {
			super(message);
			this.why = why;
		}

		/** What is wrong with the file, in a few words (e.g. "its checksum does not match its contents"). */
		String why() {
			return why;
		}
	}

	private BankFile() {}

	static void write(Path file, String document, Map<String, Tensor> tensors) throws IOException {
		Map<String, Tensor> sorted = new TreeMap<>(tensors);
		JsonObject header = new JsonObject();
		JsonObject meta = new JsonObject();
		meta.addProperty(DOCUMENT_KEY, document);
		meta.addProperty(CHECKSUM_KEY, checksum(document, sorted));
		header.add("__metadata__", meta);
		long offset = 0;
		for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
			JsonObject t = new JsonObject();
			t.addProperty("dtype", e.getValue().dtype().name());
			JsonArray shape = new JsonArray();
			for (long d : e.getValue().shape()) shape.add(d);
			t.add("shape", shape);
			JsonArray offsets = new JsonArray();
			offsets.add(offset);
			offset += e.getValue().data().remaining();
			offsets.add(offset);
			t.add("data_offsets", offsets);
			header.add(e.getKey(), t);
		}
		byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
		int padded = (json.length + 7) / 8 * 8; // the format's convention: data starts 8-byte aligned
		ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
		head.putLong(padded).put(json);
		while (head.hasRemaining()) head.put((byte) ' ');
		head.flip();

		Path dir = file.toAbsolutePath().getParent();
		try {
			writeAtomically(file, dir, head, sorted);
		}
		catch (IOException e) {
			throw WriteErrors.typed(e, file); // disk full, permission denied, read-only: told apart, with the path
		}
	}

	private static void writeAtomically(Path file, Path dir, ByteBuffer head, Map<String, Tensor> sorted)
		throws IOException
	{
		Files.createDirectories(dir);
		Path tmp = dir.resolve(file.getFileName() + TEMP_INFIX + UUID.randomUUID());
		try {
			try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
				writeFully(ch, head);
				for (Tensor t : sorted.values()) writeFully(ch, t.data().duplicate());
				ch.force(true);
			}
			try {
				Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (AtomicMoveNotSupportedException e) {
				throw new IOException("cannot replace " + file + " atomically on this file system: put the prototype " +
					"bank on a local disk", e);
			}
		}
		finally {
			Files.deleteIfExists(tmp);
		}
		syncDirectory(dir);
	}

	/** Makes the rename durable; file systems that cannot open folders (Windows) persist renames anyway. */
	private static void syncDirectory(Path dir) {
		try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
			d.force(true);
		}
		catch (IOException | UnsupportedOperationException ignored) {
			// best effort: the data itself was forced before the rename
		}
	}

	private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
		while (b.hasRemaining()) ch.write(b);
	}

	/** Reads and verifies a whole file. */
	static Contents read(Path file) throws IOException {
		try (SafeTensors st = open(file)) {
			String document = document(st);
			Map<String, Tensor> tensors = new TreeMap<>();
			for (SafeTensors.TensorInfo info : st.tensors().values()) {
				if (info.dtype() != SafeTensors.Dtype.F32 && info.dtype() != SafeTensors.Dtype.I32) throw damaged(file,
					"tensor '" + info.name() + "' has dtype " + info.dtype());
				ByteBuffer bytes = ByteBuffer.allocate((int) info.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
				bytes.put(st.readBytes(info.name())).flip();
				tensors.put(info.name(), new Tensor(info.dtype(), info.shape(), bytes));
			}
			String expected = st.metadata().get(CHECKSUM_KEY);
			if (expected == null || !expected.equals(checksum(document, tensors))) throw damaged(file,
				"its checksum does not match its contents");
			return new Contents(document, new LinkedHashMap<>(tensors));
		}
	}

	/** Only the JSON document (for listing a bank; not verified: {@link #read} verifies). */
	static String readDocument(Path file) throws IOException {
		try (SafeTensors st = open(file)) {
			return document(st);
		}
	}

	private static SafeTensors open(Path file) throws IOException {
		try {
			return SafeTensors.open(file);
		}
		catch (SafeTensors.SafeTensorsException e) {
			String why = String.valueOf(e.getMessage()); // the file is named once, by damaged()
			if (why.startsWith(file + ": ")) why = why.substring(file.toString().length() + 2);
			throw damaged(file, why.replaceAll("\\.+$", ""));
		}
	}

	private static String document(SafeTensors st) throws DamagedException {
		String d = st.metadata().get(DOCUMENT_KEY);
		if (d == null) throw damaged(st.path(), "it holds no prototype-bank document");
		return d;
	}

	static DamagedException damaged(Path file, String why) {
		return new DamagedException("prototype bank file " + file + " is damaged (" + why + "), probably by an " +
			"interrupted write or copy: delete it and build that class again", why);
	}

	static String checksum(String document, Map<String, Tensor> sortedTensors) {
		MessageDigest sha;
		try {
			sha = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
		sha.update(document.getBytes(StandardCharsets.UTF_8));
		ByteBuffer longs = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
		for (Map.Entry<String, Tensor> e : sortedTensors.entrySet()) {
			sha.update((byte) 0);
			sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
			sha.update((byte) 0);
			sha.update(e.getValue().dtype().name().getBytes(StandardCharsets.UTF_8));
			for (long d : e.getValue().shape()) sha.update(longs.clear().putLong(d).array());
			sha.update(e.getValue().data().duplicate());
		}
		return HexFormat.of().formatHex(sha.digest());
	}

	static String sha256(String text) {
		return checksum(text, Map.of());
	}
}
