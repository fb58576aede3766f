package org.diffseg.ovdiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The foreground and background prototypes of one class for one feature extractor (paper §3.3, eq. 2-3): for each
 * region g in {fg, bg}, the class prototype (mean of every masked pixel feature of the support set), one instance
 * prototype per support image (mean inside its mask) and K part prototypes (K-means centres of all masked pixel
 * features) — up to 1 + N + K vectors. Masks are resized to the feature grid bilinearly and any non-zero value
 * counts, as in the authors' code; like them, a support image whose foreground is empty at that grid is skipped
 * entirely (its background too: the attribution failed, so its context is not trusted). Every prototype records
 * where it came from ({@link Origin}) and {@link Group#partLabels} maps each support-image pixel of the feature grid to
 * its part, so a match can be explained by support-image regions.
 */
public final class Prototypes implements AutoCloseable {
	public static final int DEFAULT_PARTS = 32;
	public static final long DEFAULT_SEED = 0; // the authors' random_state

	public enum Kind { CLASS, INSTANCE, PART }

	/**
	 * Where a prototype came from: for INSTANCE the support image, for PART the cluster, for CLASS neither (-1);
	 * {@code pixels} is the number of feature-grid pixels averaged.
	 */
	public record Origin(Kind kind, int supportImage, int part, long pixels) {}

	/**
	 * The prototypes of one region kind.
	 * @param vectors [P, C] (P may be 0 when no support image had such a region)
	 * @param origins one per row of {@code vectors}
	 * @param partLabels [N, h, w] int32: the part of each masked pixel of each support image, -1 outside the mask
	 */
	public record Group(NDArray vectors, List<Origin> origins, NDArray partLabels) {
		public Group {
			if (vectors.getShape().get(0) != origins.size()) throw new IllegalArgumentException(origins.size() +
				" origins for " + vectors.getShape().get(0) + " prototypes");
			origins = List.copyOf(origins);
		}

		public int size() {
			return origins.size();
		}
	}

	private final Group fg, bg;

	public Prototypes(Group fg, Group bg) {
		if (fg.vectors().getShape().get(1) != bg.vectors().getShape().get(1)) throw new IllegalArgumentException(
			"foreground and background prototypes differ in length");
		this.fg = fg;
		this.bg = bg;
	}

	public Group fg() {
		return fg;
	}

	public Group bg() {
		return bg;
	}

	public long channels() {
		return fg.vectors().getShape().get(1);
	}

	/**
	 * Computes the prototypes of one class from its support set.
	 * @param manager where the prototypes are created
	 * @param features one [C, h, w] map per support image, all on the same grid
	 * @param masks the fg/bg split of each support image, at any resolution
	 * @param parts K of the K-means part prototypes (fewer when fewer pixels are masked)
	 * @param seed K-means seed
	 * @throws IllegalArgumentException when no support image has a foreground region on the feature grid
	 */
	public static Prototypes compute(NDManager manager, List<NDArray> features, List<FgBgMasks> masks, int parts,
		long seed)
	{
		if (features.isEmpty() || features.size() != masks.size()) throw new IllegalArgumentException(
			"need one mask pair per support image: " + features.size() + " feature maps, " + masks.size() + " masks");
		Shape grid = features.get(0).getShape();
		if (grid.dimension() != 3) throw new IllegalArgumentException("feature maps must be [C, h, w], not " + grid);
		for (NDArray f : features) if (!f.getShape().equals(grid)) throw new IllegalArgumentException(
			"support feature maps differ in shape: " + grid + " and " + f.getShape());
		int c = (int) grid.get(0), h = (int) grid.get(1), w = (int) grid.get(2), n = features.size();
		boolean[][] fgAt = new boolean[n][], bgAt = new boolean[n][];
		try (NDManager tmp = manager.newSubManager()) {
			for (int i = 0; i < n; i++) {
				fgAt[i] = onGrid(tmp, masks.get(i), true, h, w);
				bgAt[i] = onGrid(tmp, masks.get(i), false, h, w);
				if (count(fgAt[i]) == 0) bgAt[i] = new boolean[h * w]; // skipped: the attribution found nothing
			}
			if (Arrays.stream(fgAt).allMatch(m -> count(m) == 0)) throw new IllegalArgumentException("no support " +
				"image has a foreground region at the " + h + "x" + w + " feature grid: the attribution maps are " +
				"empty; sample more images or reword the class name");
			Group f = group(manager, tmp, features, fgAt, c, h, w, parts, seed);
			Group b = group(manager, tmp, features, bgAt, c, h, w, parts, seed);
			return new Prototypes(f, b);
		}
	}

	/** A mask resized bilinearly (torch semantics) to the feature grid; any non-zero value counts. */
	private static boolean[] onGrid(NDManager tmp, FgBgMasks masks, boolean fg, int h, int w) {
		boolean[] m = fg ? masks.fg() : masks.bg();
		if (masks.height() == h && masks.width() == w) return m.clone();
		float[] v = new float[m.length];
		for (int i = 0; i < m.length; i++) v[i] = m[i] ? 1 : 0;
		float[] r = Resize.resize(tmp.create(v, new Shape(masks.height(), masks.width())), h, w, Resize.Mode.BILINEAR)
			.toFloatArray();
		boolean[] out = new boolean[h * w];
		for (int i = 0; i < out.length; i++) out[i] = r[i] != 0;
		return out;
	}

	private static Group group(NDManager manager, NDManager tmp, List<NDArray> features, boolean[][] masks, int c,
		int h, int w, int parts, long seed)
	{
		int n = features.size();
		List<Origin> instanceOrigins = new ArrayList<>();
		NDList instances = new NDList(), pixels = new NDList();
		long total = 0;
		for (int i = 0; i < n; i++) {
			int count = count(masks[i]);
			if (count == 0) continue;
			NDArray f = features.get(i).reshape(c, (long) h * w);
			f.attach(tmp); // a view: what derives from it is freed with tmp
			f = f.transpose(); // [hw, C]
			if (f.getDataType() != DataType.FLOAT32) f = f.toType(DataType.FLOAT32, false);
			// masked_select flattens in row order, so the selected rows come back as [count, C]
			NDArray rowMask = tmp.create(masks[i], new Shape((long) h * w, 1)).broadcast((long) h * w, c);
			NDArray selected = f.booleanMask(rowMask).reshape(count, c);
			pixels.add(selected);
			instances.add(selected.mean(new int[] { 0 }));
			instanceOrigins.add(new Origin(Kind.INSTANCE, i, -1, count));
			total += count;
		}
		int[] labels = new int[n * h * w];
		Arrays.fill(labels, -1);
		if (pixels.isEmpty()) {
			return new Group(manager.zeros(new Shape(0, c)), List.of(), manager.create(labels, new Shape(n, h, w)));
		}
		NDArray all = pixels.size() == 1 ? pixels.get(0) : NDArrays.concat(pixels); // [total, C]
		NDArray mean = all.mean(new int[] { 0 }); // = instances weighted by their mask sizes (paper)
		KMeans.Result km = KMeans.fit(all, parts, seed);
		km.centroids().attach(tmp);
		// scatter the cluster labels back to the support-image pixels they came from
		int next = 0;
		for (int i = 0; i < n; i++) for (int p = 0; p < h * w; p++) if (masks[i][p]) labels[i * h * w + p] = km.labels()[next++];
		List<Origin> origins = new ArrayList<>();
		origins.add(new Origin(Kind.CLASS, -1, -1, total));
		origins.addAll(instanceOrigins);
		for (int k = 0; k < km.sizes().length; k++) origins.add(new Origin(Kind.PART, -1, k, km.sizes()[k]));
		NDList rows = new NDList(mean.expandDims(0), NDArrays.stack(instances), km.centroids());
		NDArray vectors = NDArrays.concat(rows);
		vectors.attach(manager);
		return new Group(vectors, origins, manager.create(labels, new Shape(n, h, w)));
	}

	private static int count(boolean[] m) {
		int c = 0;
		for (boolean b : m) if (b) c++;
		return c;
	}

	@Override
	public void close() {
		fg.vectors().close();
		fg.partLabels().close();
		bg.vectors().close();
		bg.partLabels().close();
	}
}
