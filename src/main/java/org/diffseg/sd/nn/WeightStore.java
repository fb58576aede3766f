package org.diffseg.sd.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The weights of one network, fetched by their diffusers/transformers names while the network builds itself from
 * its config. Each request states the shape the config implies; problems are collected rather than thrown one at a
 * time, so {@link #finish()} can end a failed load with ONE error listing every missing, unexpected and mis-shaped
 * tensor. Loaded arrays live in this store's manager, freed with {@link #close()}.
 */
public final class WeightStore implements AutoCloseable {

	/** Where tensors come from (a safetensors file or a set of shards). */
	public interface TensorSource {
		/** Tensor names mapped to their shapes, as stored. */
		Map<String, long[]> shapes();

		NDArray load(NDManager manager, String name, DataType floatType) throws IOException;
	}

	private final String label;
	private final TensorSource source;
	private final NDManager manager;
	private final DataType dtype;
	private final Map<String, NDArray> params = new LinkedHashMap<>();
	private final Set<String> used = new LinkedHashSet<>();
	private final List<String> missing = new ArrayList<>();
	private final List<String> misshaped = new ArrayList<>();
	private final Set<String> optional = new TreeSet<>();
	private final Map<String, String> aliases = new LinkedHashMap<>();
	/** Non-null in shape-recording mode: every request is accepted and recorded, no weights are read. */
	private final Map<String, long[]> recorded;
	private NDArray placeholder;
	private NDArray zero;
	private static final long RECORDED_ZEROS_MAX = 1 << 22;

	static {
		// every model (SD and ViT) loads through here: tune the C allocator before its first weight
		org.diffseg.sd.NativeMemory.configure();
	}

	public WeightStore(String label, TensorSource source, NDManager parent, Device device, DataType dtype) {
		this.label = label;
		this.source = source;
		this.manager = parent.newSubManager(device);
		this.manager.setName(label);
		this.dtype = dtype;
		this.recorded = null;
	}

	private WeightStore(String label, NDManager parent) {
		this.label = label;
		this.source = null;
		this.manager = parent.newSubManager();
		this.dtype = DataType.FLOAT32;
		this.recorded = new LinkedHashMap<>();
	}

	/**
	 * A store that accepts every request and records its name and shape instead of loading anything: building a
	 * network on it lists exactly the tensors its config needs (used to write random-weight models).
	 */
	public static WeightStore recordingShapes(String label, NDManager parent) {
		return new WeightStore(label, parent);
	}

	/** The requests of a recording store, in request order. */
	public Map<String, long[]> recordedShapes() {
		return recorded;
	}

	public NDManager manager() {
		return manager;
	}

	public DataType dtype() {
		return dtype;
	}

	/** Fetches a parameter of the given shape; records a problem (and returns zeros) when it is absent or mis-shaped. */
	public NDArray get(String name, long... shape) {
		if (recorded != null) {
			recorded.putIfAbsent(name, shape.clone());
			// small tensors (embeddings, biases) are real zeros, so a builder may reshape them; large ones share
			// one placeholder, so recording a multi-GB network costs no memory
			long n = 1;
			for (long d : shape) n *= d;
			if (n <= RECORDED_ZEROS_MAX) return manager.zeros(new Shape(shape));
			if (placeholder == null) placeholder = manager.zeros(new Shape(1));
			return placeholder;
		}
		String stored = resolve(name);
		used.add(stored);
		long[] actual = source.shapes().get(stored);
		if (actual == null) {
			missing.add(name + " " + Arrays.toString(shape));
			return standIn(shape);
		}
		if (!Arrays.equals(actual, shape)) {
			misshaped.add(stored + ": expected " + Arrays.toString(shape) + ", file has " + Arrays.toString(actual));
			return standIn(shape);
		}
		return params.computeIfAbsent(stored, n -> {
			try {
				return source.load(manager, n, dtype);
			}
			catch (IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
	}

	/**
	 * What a missing or mis-shaped tensor gets so the network can finish building before {@link #finish()} lists
	 * every problem: zeros of the requested shape as a zero-stride view of one scalar, so a config that disagrees
	 * with its weights (however large the network it describes) allocates nothing; only what the file holds at the
	 * requested shape is ever read.
	 */
	private NDArray standIn(long[] shape) {
		if (zero == null) zero = manager.zeros(new Shape(), dtype);
		return zero.broadcast(new Shape(shape));
	}

	/** True when the source holds a tensor of that name (or an alias of it). */
	public boolean has(String name) {
		if (recorded != null) return true;
		return source.shapes().containsKey(resolve(name));
	}

	/** The stored shape of a tensor, or null. */
	public long[] shapeOf(String name) {
		if (recorded != null) return recorded.get(name);
		return source.shapes().get(resolve(name));
	}

	/**
	 * Accept a stored name for the canonical one, when the canonical is absent (legacy checkpoints, e.g. the VAE's
	 * {@code query} for {@code to_q}).
	 */
	public void alias(String canonical, String legacy) {
		if (recorded != null) return;
		if (!source.shapes().containsKey(canonical) && source.shapes().containsKey(legacy)) aliases.put(canonical, legacy);
	}

	/** Tensors that may be present without being used (constants such as {@code position_ids}). */
	public void allowUnused(String name) {
		optional.add(name);
	}

	private String resolve(String name) {
		return aliases.getOrDefault(name, name);
	}

	/** A view that prefixes every name with {@code prefix + "."}. */
	public Scope scope(String prefix) {
		return new Scope(this, prefix);
	}

	/** Ends the load: throws one error listing every problem, if there is any. */
	public void finish() throws ModelLoadException {
		if (recorded != null) return;
		List<String> unexpected = new ArrayList<>();
		for (String n : source.shapes().keySet())
			if (!used.contains(n) && !optional.contains(n)) unexpected.add(n);
		if (missing.isEmpty() && unexpected.isEmpty() && misshaped.isEmpty()) return;
		StringBuilder b = new StringBuilder(label).append(": the weights do not match the config");
		append(b, "missing", missing);
		append(b, "mis-shaped", misshaped);
		append(b, "unexpected", unexpected);
		b.append(". Check that config.json and the .safetensors file come from the same model folder.");
		throw new ModelLoadException(b.toString(), missing, misshaped, unexpected);
	}

	private static void append(StringBuilder b, String what, List<String> names) {
		if (names.isEmpty()) return;
		b.append("; ").append(names.size()).append(' ').append(what).append(": ");
		int shown = Math.min(names.size(), 12);
		b.append(String.join(", ", names.subList(0, shown)));
		if (names.size() > shown) b.append(", ... (").append(names.size() - shown).append(" more)");
	}

	/** Total bytes of the parameters loaded. */
	public long loadedBytes() {
		long n = 0;
		for (NDArray a : params.values()) n += a.size() * a.getDataType().getNumOfBytes();
		return n;
	}

	@Override
	public void close() {
		manager.close();
	}

	/** A name prefix over a store: how each module asks for its own parameters. */
	public record Scope(WeightStore store, String prefix) {
		public NDArray get(String name, long... shape) {
			return store.get(full(name), shape);
		}

		public boolean has(String name) {
			return store.has(full(name));
		}

		public Scope scope(String sub) {
			return new Scope(store, full(sub));
		}

		public String full(String name) {
			return prefix.isEmpty() ? name : prefix + "." + name;
		}
	}

	/** Weights that do not fit the config; the message lists them all. */
	public static final class ModelLoadException extends IOException {
		public final List<String> missing, misshaped, unexpected;

		public ModelLoadException(String message, List<String> missing, List<String> misshaped, List<String> unexpected) {
			super(message);
			this.missing = List.copyOf(missing);
			this.misshaped = List.copyOf(misshaped);
			this.unexpected = List.copyOf(unexpected);
		}
	}
}
