package org.diffseg.ovdiff;

import org.diffseg.sd.nn.Resize;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.diffseg.sd.AttentionTap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accumulates the cross-attention attribution map of a class name while support images are sampled (paper §3.3,
 * the authors' DAAM store). Plug it into the UNet as its {@link AttentionTap}: for every {@code attn2} layer at every
 * denoising step it takes the conditional half of the batch, the probability columns of the name's tokens, reshapes
 * them to [heads, h, w] maps, resizes each to {@code size}x{@code size} bicubically ({@link Resize}: torch semantics,
 * align_corners=False; a map already at that size is kept as is), clamps at 0 and adds the sum
 * over heads. {@link #maps} divides by the total head count (summed over all recorded layers and steps, as the
 * authors do; any constant factor vanishes in the min-max normalisation that follows), averages over the tokens,
 * min-max normalises each image, upsamples bilinearly to the requested size and min-max normalises again.
 */
public final class AttributionMap implements AttentionTap, AutoCloseable {
	/** The authors resize every layer's map to the size of the first (largest) layer: 64 for 512x512 images. */
	public static final int DEFAULT_SIZE = 64;
	private static final float EPS = 1e-6f;

	private final NDManager manager;
	private final int[] tokens;
	private final boolean guided;
	private final int size;
	private NDArray sum; // [images, tokens, size, size]
	private long headCount;
	private int layersRecorded;

	/**
	 * @param parent manager whose device the sums live on (that of the UNet)
	 * @param tokenPositions positions of the class name's tokens in the 77-token prompt (see {@link #tokenPositions})
	 * @param classifierFreeGuidance whether the batch holds the unconditional half first, then the conditional half
	 * @param size side of the common map grid
	 */
	public AttributionMap(NDManager parent, int[] tokenPositions, boolean classifierFreeGuidance, int size) {
		if (tokenPositions.length == 0) throw new IllegalArgumentException("the class name has no tokens in the prompt");
		if (size <= 0) throw new IllegalArgumentException("the map size must be positive, not " + size);
		for (int t : tokenPositions) if (t < 0) throw new IllegalArgumentException("negative token position " + t);
		this.manager = parent.newSubManager();
		this.tokens = tokenPositions.clone();
		this.guided = classifierFreeGuidance;
		this.size = size;
	}

	public AttributionMap(NDManager parent, int[] tokenPositions, boolean classifierFreeGuidance) {
		this(parent, tokenPositions, classifierFreeGuidance, DEFAULT_SIZE);
	}

	/**
	 * Where a name's token ids (without start/end tokens) first occur as a contiguous run in a prompt's ids.
	 * @throws IllegalArgumentException when they do not occur (e.g. the name was truncated at 77 tokens)
	 */
	public static int[] tokenPositions(long[] promptIds, long[] nameIds) {
		return tokenPositions(promptIds, nameIds, 0);
	}

	/**
	 * Where a name's token ids first occur as a contiguous run at or after position {@code from} (where the template
	 * puts the name, so that a template word equal to the name is not taken for it), else anywhere.
	 * @throws IllegalArgumentException when they do not occur (e.g. the name was truncated at 77 tokens)
	 */
	public static int[] tokenPositions(long[] promptIds, long[] nameIds, int from) {
		if (nameIds.length == 0) throw new IllegalArgumentException("the class name tokenizes to nothing");
		int[] found = find(promptIds, nameIds, Math.max(from, 0));
		if (found == null && from > 0) found = find(promptIds, nameIds, 0);
		if (found == null) throw new IllegalArgumentException("the class name's tokens " + Arrays.toString(nameIds) +
			" do not occur in the prompt's tokens (is the prompt longer than 77 tokens?)");
		return found;
	}

	private static int[] find(long[] promptIds, long[] nameIds, int from) {
		outer:
		for (int s = from; s + nameIds.length <= promptIds.length; s++) {
			for (int i = 0; i < nameIds.length; i++) if (promptIds[s + i] != nameIds[i]) continue outer;
			int[] out = new int[nameIds.length];
			for (int i = 0; i < out.length; i++) out[i] = s + i;
			return out;
		}
		return null;
	}

	/** Every cross-attention layer counts (down, mid and up blocks). */
	@Override
	public boolean wants(String layerPath) {
		return layerPath.endsWith("attn2");
	}

	@Override
	public void record(String layerPath, NDArray probs, NDArray query, int heads, long height, long width) {
		Shape s = probs.getShape();
		if (s.dimension() != 3 || heads <= 0 || s.get(0) % heads != 0 || s.get(1) != height * width) throw new
			IllegalArgumentException(layerPath + ": attention probabilities " + s + " do not fit " + heads +
			" heads on a " + height + "x" + width + " grid");
		for (int t : tokens) if (t >= s.get(2)) throw new IllegalArgumentException("token position " + t +
			" is outside the " + s.get(2) + " context tokens");
		long batch = s.get(0) / heads;
		if (guided && batch % 2 != 0) throw new IllegalArgumentException(layerPath +
			": a guided batch must have an even size, not " + batch);
		long images = guided ? batch / 2 : batch;
		try (NDManager tmp = manager.newSubManager()) {
			// conditional rows are the second half: row b * heads + h, b in [batch/2, batch)
			NDArray cond = probs.get(new NDIndex((batch - images) * heads + ":"));
			cond.attach(tmp);
			NDList columns = new NDList();
			for (int t : tokens) columns.add(cond.get(new NDIndex(":, :, {}", t)));
			NDArray m = NDArrays.stack(columns, 2); // [images*heads, Q, tokens], in tmp like cond
			if (m.getDataType() != DataType.FLOAT32) m = m.toType(DataType.FLOAT32, false);
			m = m.reshape(images, heads, height, width, tokens.length).transpose(0, 4, 1, 2, 3)
				.reshape(images * tokens.length, heads, height, width);
			NDArray r = Resize.resize(m, size, size, Resize.Mode.BICUBIC).maximum(0f);
			NDArray summed = r.reshape(images, tokens.length, heads, size, size).sum(new int[] { 2 });
			if (sum == null) {
				summed.attach(manager);
				sum = summed;
			}
			else {
				if (!sum.getShape().equals(summed.getShape())) throw new IllegalArgumentException(layerPath +
					": the batch changed from " + sum.getShape().get(0) + " to " + images + " images");
				sum.addi(summed);
			}
		}
		headCount += heads;
		layersRecorded++;
	}

	/** How many layer calls (layers times steps) were accumulated. */
	public int layersRecorded() {
		return layersRecorded;
	}

	/**
	 * The normalised attribution maps [images, height, width] in [0, 1], created in {@code target}.
	 */
	public NDArray maps(NDManager target, long height, long width) {
		if (sum == null) throw new IllegalStateException("no cross-attention was recorded: was the map passed to the UNet?");
		try (NDManager tmp = manager.newSubManager()) {
			NDArray a = sum.div((float) headCount);
			a.attach(tmp);
			a = a.mean(new int[] { 1 }, true); // [images, 1, size, size]
			a = minMax(a);
			a = Resize.resize(a, height, width, Resize.Mode.BILINEAR);
			a = minMax(a).squeeze(1);
			a.attach(target);
			return a;
		}
	}

	/** The same maps as plain heat maps, one per image. */
	public List<HeatMap> heatMaps(int height, int width) {
		try (NDManager tmp = manager.newSubManager()) {
			float[] all = maps(tmp, height, width).toFloatArray();
			int n = all.length / (height * width);
			List<HeatMap> out = new ArrayList<>(n);
			for (int i = 0; i < n; i++) out.add(new HeatMap(height, width,
				Arrays.copyOfRange(all, i * height * width, (i + 1) * height * width)));
			return out;
		}
	}

	/** Per image: subtract the minimum, divide by the maximum (at least 1e-6). */
	private static NDArray minMax(NDArray a) {
		long n = a.getShape().get(0);
		NDArray flat = a.reshape(n, -1);
		NDArray shifted = flat.sub(flat.min(new int[] { 1 }, true));
		return shifted.div(shifted.max(new int[] { 1 }, true).maximum(EPS)).reshape(a.getShape());
	}

	@Override
	public void close() {
		manager.close();
	}
}
