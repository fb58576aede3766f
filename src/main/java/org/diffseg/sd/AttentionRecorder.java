package org.diffseg.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** An {@link AttentionTap} that keeps the probabilities and queries of the layers it selects, in its own manager. */
public final class AttentionRecorder implements AttentionTap, AutoCloseable {
	private final NDManager manager;
	private final Predicate<String> layers;
	private final boolean keepProbs, keepQueries;
	public final Map<String, NDArray> probs = new LinkedHashMap<>();
	public final Map<String, NDArray> queries = new LinkedHashMap<>();
	public final Map<String, long[]> sizes = new LinkedHashMap<>();

	public AttentionRecorder(NDManager parent, Predicate<String> layers, boolean keepProbs, boolean keepQueries) {
		this.manager = parent.newSubManager();
		this.layers = layers;
		this.keepProbs = keepProbs;
		this.keepQueries = keepQueries;
	}

	/** Records every cross-attention layer. */
	public static AttentionRecorder all(NDManager parent) {
		return new AttentionRecorder(parent, p -> true, true, true);
	}

	@Override
	public boolean wants(String layerPath) {
		return layers.test(layerPath);
	}

	@Override
	public void record(String layerPath, NDArray p, NDArray q, int heads, long height, long width) {
		if (keepProbs) replace(probs, layerPath, p.duplicate());
		if (keepQueries) replace(queries, layerPath, q.duplicate());
		sizes.put(layerPath, new long[] { height, width, heads });
	}

	private void replace(Map<String, NDArray> map, String key, NDArray value) {
		value.attach(manager);
		NDArray old = map.put(key, value);
		if (old != null) old.close();
	}

	@Override
	public void close() {
		manager.close();
	}
}
