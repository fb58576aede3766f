package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * Pixel-adaptive mask refinement (PAMR; Araslanov and Roth, CVPR 2020), the optional post-processing of OVDiff's
 * Table 1 ("OVDiff (+PAMR)"): every score map is repeatedly replaced by a weighted average of its values at the 8
 * neighbours of each pixel at several dilations, weighted by how alike the image is there.
 * <p>
 * Affinity of pixel i to neighbour j: for each colour channel, -|I_i - I_j| / (1e-8 + 0.1 σ_i), where σ_i is the
 * (unbiased) standard deviation of that channel over the 3 x 3 neighbourhoods of i at all dilations (the centre
 * counted once per dilation); averaged over channels, then a softmax over the neighbours. Borders replicate the edge
 * pixels. Because the differences are divided by a per-channel local deviation, the result does not depend on how the
 * image is normalised. OVDiff's setting: 10 iterations, dilations 1, 2, 4, 8, 12, 24.
 */
public final class Pamr {
	public static final int ITERATIONS = 10;
	public static final List<Integer> DILATIONS = List.of(1, 2, 4, 8, 12, 24);
	/** The 8 neighbours (row, column offsets in units of the dilation), in the reference kernel's order. */
	static final int[][] OFFSETS = { { -1, -1 }, { -1, 0 }, { -1, 1 }, { 0, -1 }, { 0, 1 }, { 1, -1 }, { 1, 0 },
		{ 1, 1 } };

	private final int iterations;
	private final List<Integer> dilations;

	/** With OVDiff's setting. */
	public Pamr() {
		this(ITERATIONS, DILATIONS);
	}

	public Pamr(int iterations, List<Integer> dilations) {
		if (iterations < 1 || dilations.isEmpty() || dilations.stream().anyMatch(d -> d < 1)) throw new
			IllegalArgumentException("PAMR needs at least one iteration and positive dilations, not " + iterations +
				" and " + dilations);
		this.iterations = iterations;
		this.dilations = List.copyOf(dilations);
	}

	/**
	 * @param image [C, H, W], any normalisation
	 * @param masks [K, H, W] soft masks or scores
	 * @return the refined masks [K, H, W], in {@code masks}' manager
	 */
	public NDArray refine(NDArray image, NDArray masks) {
		long h = image.getShape().get(1), w = image.getShape().get(2);
		if (masks.getShape().dimension() != 3 || masks.getShape().get(1) != h || masks.getShape().get(2) != w)
			throw new IllegalArgumentException("PAMR: the masks " + masks.getShape() + " must be [K, " + h + ", " + w +
				"] like the image " + image.getShape());
		NDManager caller = masks.getManager();
		try (NDManager m = caller.newSubManager()) {
			NDArray x = image.duplicate();
			x.attach(m);
			NDArray affinity = affinity(m, x);
			NDArray current = masks.duplicate();
			current.attach(m);
			for (int i = 0; i < iterations; i++) {
				try (NDManager step = m.newSubManager()) {
					NDArray next = null;
					int p = 0;
					for (NDArray shifted : neighbours(step, current)) {
						NDArray weight = affinity.get(step, new NDIndex("{}", p++));
						NDArray term = shifted.mul(weight);
						weight.close();
						if (next == null) next = term;
						else {
							next.addi(term); // in place: one [K, H, W] array per iteration, not one per neighbour
							term.close();
						}
					}
					next.attach(m);
					current.close();
					current = next;
				}
			}
			current.attach(caller);
			return current;
		}
	}

	/** Softmax over the neighbours of the channel-averaged, deviation-scaled absolute differences: [P, H, W]. */
	private NDArray affinity(NDManager m, NDArray x) {
		List<NDArray> shifted = neighbours(m, x);
		// the deviation's sample: each dilation's 3 x 3 window, centre included; two passes, no stacking
		long n = shifted.size() + dilations.size();
		NDArray sum = x.mul((float) dilations.size());
		for (NDArray s : shifted) sum.addi(s);
		NDArray mean = sum.div((float) n);
		NDArray squares = x.sub(mean).square().mul((float) dilations.size());
		for (NDArray s : shifted) {
			try (NDArray d = s.sub(mean); NDArray sq = d.square()) {
				squares.addi(sq);
			}
		}
		NDArray scale = squares.div((float) (n - 1)).sqrt().mul(0.1f).add(1e-8f); // [C, H, W]
		NDList logits = new NDList();
		for (NDArray s : shifted) {
			try (NDArray d = x.sub(s); NDArray a = d.abs(); NDArray q = a.div(scale)) {
				logits.add(q.mean(new int[] { 0 }).neg());
			}
		}
		return NDArrays.stack(logits, 0).softmax(0);
	}

	/** The 8 neighbours at every dilation, in order, each [K, H, W], borders replicated. */
	private List<NDArray> neighbours(NDManager m, NDArray x) {
		long h = x.getShape().get(1), w = x.getShape().get(2);
		List<NDArray> out = new ArrayList<>();
		for (int d : dilations) {
			NDArray padded = replicatePad(m, x, d);
			for (int[] o : OFFSETS) {
				long r = d + (long) o[0] * d, c = d + (long) o[1] * d;
				out.add(padded.get(m, new NDIndex(":, {}:{}, {}:{}", r, r + h, c, c + w)));
			}
		}
		return out;
	}

	/** [K, H + 2d, W + 2d] with the edge rows and columns repeated d times. */
	static NDArray replicatePad(NDManager m, NDArray x, int d) {
		NDArray top = x.get(m, new NDIndex(":, 0:1, :")).repeat(1, d);
		NDArray bottom = x.get(m, new NDIndex(":, -1:, :")).repeat(1, d);
		NDArray rows = NDArrays.concat(new NDList(top, x, bottom), 1);
		NDArray left = rows.get(m, new NDIndex(":, :, 0:1")).repeat(2, d);
		NDArray right = rows.get(m, new NDIndex(":, :, -1:")).repeat(2, d);
		NDArray out = NDArrays.concat(new NDList(left, rows, right), 2);
		out.attach(m);
		return out;
	}
}
