package org.diffseg.ovdiff;

import org.diffseg.sd.nn.Resize;
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
	 * Computes the prototypes of one class from its support set (all feature maps at once; see {@link Builder} to
	 * add them one by one).
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
		try (Builder b = new Builder(manager, features.size(), parts, seed)) {
			for (int i = 0; i < features.size(); i++) b.add(i, features.get(i), masks.get(i));
			return b.build();
		}
	}

	/**
	 * Collects the masked pixel features of a support set image by image, so that only they (not whole feature maps
	 * of thousands of channels) are held, then computes the prototypes.
	 */
	public static final class Builder implements AutoCloseable {
		private final NDManager manager, rows;
		private final int images, parts;
		private final long seed;
		private final NDArray[] fgRows, bgRows;
		private final boolean[][] fgAt, bgAt;
		private long channels = -1;
		private int h, w;

		/**
		 * @param manager where the prototypes are created
		 * @param images the support-set size N
		 * @param parts K of the K-means part prototypes
		 * @param seed K-means seed
		 */
		public Builder(NDManager manager, int images, int parts, long seed) {
			if (images <= 0 || parts <= 0) throw new IllegalArgumentException("need at least one support image and one part");
			this.manager = manager;
			this.rows = manager.newSubManager();
			this.images = images;
			this.parts = parts;
			this.seed = seed;
			fgRows = new NDArray[images];
			bgRows = new NDArray[images];
			fgAt = new boolean[images][];
			bgAt = new boolean[images][];
		}

		/**
		 * Takes the masked features of support image {@code image}; the caller keeps (and may close) {@code features}.
		 * @param features [C, h, w], the same shape for every image
		 */
		public void add(int image, NDArray features, FgBgMasks masks) {
			Shape s = features.getShape();
			if (s.dimension() != 3) throw new IllegalArgumentException("feature maps must be [C, h, w], not " + s);
			if (channels < 0) {
				channels = s.get(0);
				h = (int) s.get(1);
				w = (int) s.get(2);
			}
			else if (s.get(0) != channels || s.get(1) != h || s.get(2) != w) throw new IllegalArgumentException(
				"support feature maps differ in shape: [" + channels + ", " + h + ", " + w + "] and " + s);
			if (fgAt[image] != null) throw new IllegalArgumentException("support image " + image + " was added twice");
			try (NDManager tmp = rows.newSubManager()) {
				fgAt[image] = onGrid(tmp, masks, true, h, w);
				bgAt[image] = count(fgAt[image]) == 0 ? new boolean[h * w] // skipped: the attribution found nothing
					: onGrid(tmp, masks, false, h, w);
				NDArray f = features.reshape(channels, (long) h * w);
				f.attach(tmp); // a view: what derives from it is freed with tmp
				f = f.transpose(); // [hw, C]
				if (f.getDataType() != DataType.FLOAT32) f = f.toType(DataType.FLOAT32, false);
				fgRows[image] = select(f, fgAt[image]);
				bgRows[image] = select(f, bgAt[image]);
			}
		}

		/** The selected rows [count, C], copied into this builder's scope; null when none. */
		private NDArray select(NDArray f, boolean[] mask) {
			int count = count(mask);
			if (count == 0) return null;
			// masked_select flattens in row order, so the selected rows come back as [count, C]
			NDArray rowMask = f.getManager().create(mask, new Shape((long) h * w, 1)).broadcast((long) h * w, channels);
			NDArray selected = f.booleanMask(rowMask).reshape(count, channels);
			selected.attach(rows);
			return selected;
		}

		/** @throws IllegalArgumentException when an image is missing or no image has a foreground region */
		public Prototypes build() {
			for (int i = 0; i < images; i++) if (fgAt[i] == null) throw new IllegalArgumentException("support image " + i +
				" was not added");
			if (Arrays.stream(fgRows).allMatch(r -> r == null)) throw new IllegalArgumentException("no support image " +
				"has a foreground region at the " + h + "x" + w + " feature grid: the attribution maps are empty; " +
				"sample more images or reword the class name");
			try (NDManager tmp = rows.newSubManager()) {
				return new Prototypes(group(tmp, fgRows, fgAt), group(tmp, bgRows, bgAt));
			}
		}

		private Group group(NDManager tmp, NDArray[] selected, boolean[][] masks) {
			List<Origin> instanceOrigins = new ArrayList<>();
			NDList instances = new NDList(), pixels = new NDList();
			long total = 0;
			for (int i = 0; i < images; i++) {
				if (selected[i] == null) continue;
				long count = selected[i].getShape().get(0);
				pixels.add(selected[i]);
				instances.add(selected[i].mean(new int[] { 0 }));
				instanceOrigins.add(new Origin(Kind.INSTANCE, i, -1, count));
				total += count;
			}
			int[] labels = new int[images * h * w];
			Arrays.fill(labels, -1);
			if (pixels.isEmpty()) return new Group(manager.zeros(new Shape(0, channels)), List.of(),
				manager.create(labels, new Shape(images, h, w)));
			NDArray all = pixels.size() == 1 ? pixels.get(0) : NDArrays.concat(pixels); // [total, C]
			if (all != pixels.get(0)) all.attach(tmp);
			NDArray mean = all.mean(new int[] { 0 }); // = the instances weighted by their mask sizes (paper)
			KMeans.Result km = KMeans.fit(all, parts, seed);
			km.centroids().attach(tmp);
			// scatter the cluster labels back to the support-image pixels they came from
			int next = 0;
			for (int i = 0; i < images; i++) if (selected[i] != null) for (int p = 0; p < h * w; p++)
				if (masks[i][p]) labels[i * h * w + p] = km.labels()[next++];
			List<Origin> origins = new ArrayList<>();
			origins.add(new Origin(Kind.CLASS, -1, -1, total));
			origins.addAll(instanceOrigins);
			for (int k = 0; k < km.sizes().length; k++) origins.add(new Origin(Kind.PART, -1, k, km.sizes()[k]));
			NDArray vectors = NDArrays.concat(new NDList(mean.expandDims(0), NDArrays.stack(instances), km.centroids()));
			vectors.attach(manager);
			return new Group(vectors, origins, manager.create(labels, new Shape(images, h, w)));
		}

		@Override
		public void close() {
			rows.close();
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
