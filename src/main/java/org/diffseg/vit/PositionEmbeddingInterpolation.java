package org.diffseg.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * DINO's {@code interpolate_pos_encoding}, which OVDiff uses for both CLIP and DINO: a ViT trained on an s x s patch
 * grid gets its position table resampled to an R x C grid so it can take other input sizes. The class row is kept;
 * the s x s grid is resampled with torch's bicubic (A = -0.75, border indices clamped, no antialiasing) at
 * scale factors ((R + 0.1) / s, (C + 0.1) / s): the +0.1 makes the scale factor, not the output size, define the
 * sampling positions (src = (r + 0.5) * s / (R + 0.1) - 0.5), which is what the models were used with.
 */
public final class PositionEmbeddingInterpolation {
	private PositionEmbeddingInterpolation() {}

	/** How the resampled grid is laid onto the token sequence. */
	public enum GridOrder {
		/**
		 * Geometrically correct (DINO, transformers 4.36 ViT): table row r, column c goes to patch row r, column c.
		 * The default for every input, and what this project uses.
		 */
		ROW_COLUMN,
		/**
		 * OVDiff's CLIP code as published: its ModifiedVisionTransformer passes (width, height) where DINO's recipe
		 * expects (height, width), so the table is resampled to C rows x R columns and its row-major entries are
		 * added to the R x C tokens in order. Identical to ROW_COLUMN for square inputs (all OVDiff ever gives CLIP,
		 * 448 x 448 windows); kept only to reproduce OVDiff's code bit for bit on non-square inputs.
		 */
		OVDIFF_TRANSPOSED
	}

	private static final double A = -0.75;

	/**
	 * The position table to add for an R x C patch grid.
	 *
	 * @param table [1 + s*s, D]: class row, then grid row a, column b at 1 + a*s + b
	 * @param squareInput whether the input image is square in pixels: the stored table is used unchanged only when
	 *        R * C == s * s and the input is square (DINO's rule; e.g. a 39 x 47 input on a 4 x 4 table still gets
	 *        a resampled 4 x 5 grid, and 32 x 33 one with a 4.1 / 4 scale factor)
	 * @param m manager of the result
	 * @return [1 + R*C, D]
	 */
	public static NDArray interpolate(NDArray table, int rows, int cols, boolean squareInput, GridOrder order,
		NDManager m)
	{
		long n = table.getShape().get(0) - 1, dim = table.getShape().get(1);
		int s = (int) Math.round(Math.sqrt(n));
		if (s * s != n) throw new IllegalArgumentException("the position table has " + n + " patch rows, not a square " +
			"grid: cannot interpolate it");
		if ((long) rows * cols == n && squareInput) {
			NDArray copy = table.duplicate();
			copy.attach(m);
			return copy;
		}
		int outRows = order == GridOrder.ROW_COLUMN ? rows : cols;
		int outCols = order == GridOrder.ROW_COLUMN ? cols : rows;
		try (NDManager scope = m.newSubManager(table.getDevice())) {
			NDArray grid = table.get("1:");
			grid.attach(scope);
			NDArray wr = scope.create(weights(s, outRows), new Shape(outRows, s));
			NDArray wc = scope.create(weights(s, outCols), new Shape(outCols, s));
			wr = wr.toType(table.getDataType(), false);
			wc = wc.toType(table.getDataType(), false);
			// rows: [R', s] @ [s, s*D] -> [R', s, D]; then columns: [C', s] @ [s, R'*D] after moving s to the front.
			NDArray byRows = wr.matMul(grid.reshape(s, s * dim)).reshape(outRows, s, dim);
			NDArray both = wc.matMul(byRows.transpose(1, 0, 2).reshape(s, outRows * dim)).reshape(outCols, outRows, dim)
				.transpose(1, 0, 2).reshape((long) outRows * outCols, dim);
			NDArray cls = table.get("0:1");
			cls.attach(scope);
			NDArray out = NDArrays.concat(new NDList(cls, both), 0);
			out.attach(m);
			return out;
		}
	}

	/**
	 * [outSize, s] bicubic weights of torch's upsample_bicubic2d (align_corners false) at scale factor
	 * (outSize + 0.1) / s, with out-of-range source indices clamped to the border (their weights add up there).
	 */
	static float[] weights(int s, int outSize) {
		double scale = (outSize + 0.1) / s;
		double[] w = new double[outSize * s];
		for (int r = 0; r < outSize; r++) {
			double src = (r + 0.5) / scale - 0.5;
			int i0 = (int) Math.floor(src);
			double t = src - i0;
			double[] k = { cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t) };
			for (int j = 0; j < 4; j++) {
				int idx = Math.min(Math.max(i0 - 1 + j, 0), s - 1);
				w[r * s + idx] += k[j];
			}
		}
		float[] out = new float[w.length];
		for (int i = 0; i < w.length; i++) out[i] = (float) w[i];
		return out;
	}

	private static double cubic1(double x) {
		return ((A + 2) * x - (A + 3)) * x * x + 1;
	}

	private static double cubic2(double x) {
		return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
	}
}
