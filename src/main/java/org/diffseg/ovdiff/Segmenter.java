package org.diffseg.ovdiff;

import org.diffseg.sd.nn.Resize;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;

/**
 * Segmentation by prototype matching (paper §3.4, the authors' {@code predict.py}). The image is resized so that its
 * shorter side is 448 px; square windows of 448 and 336 px slide over it with a stride of 224 px, and the whole
 * image is one more window. For every window and extractor, L2-normalised features are compared with L2-normalised
 * prototypes: a class scores the highest cosine similarity among its foreground prototypes; the background scores the
 * highest among the background prototypes of the selected thing classes (stuff classes contribute none, and thing
 * background prototypes whose cosine similarity to any selected stuff class's foreground prototype exceeds 0.85 are
 * dropped). Each window's score maps are resized bilinearly to the window, clamped to [-1, 1] and averaged over all
 * windows and extractors covering a pixel; the averages are resized bilinearly to the original image, scores &lt;= 0
 * are set to 0 and each pixel takes the label of the highest score, 0 (background) on ties, so a pixel that no class
 * and no background prototype matches positively is background.
 * Optionally ({@link Settings#pamr}) the averaged maps are first refined with PAMR, as in the paper's "+PAMR" row.
 * <p>
 * A window larger than the (resized) image is clipped to it, as in the authors' code, so an image smaller than a
 * window is processed whole. Explanations: for every extractor and pixel, the prototype of the winning label that
 * matched best in any window covering the pixel ({@link Result#winners}, indices into {@link Result#prototypes}).
 */
public final class Segmenter {
	private static final float EPS = 1e-6f;

	/**
	 * @param shorterSide the image's shorter side is resized to this many pixels first (0: keep the size)
	 * @param windows sliding-window sizes in pixels of the resized image
	 * @param stride sliding-window stride
	 * @param wholeImage whether the whole image is one more window
	 * @param stuffFilter thing background prototypes more similar than this to a stuff foreground prototype are dropped
	 * @param pamr whether the averaged score maps are refined with {@link Pamr} (OVDiff's optional post-processing) at
	 * the resized image's resolution, before scores &lt;= 0 are zeroed and the labels chosen
	 */
	public record Settings(int shorterSide, List<Integer> windows, int stride, boolean wholeImage, double stuffFilter,
		boolean pamr)
	{
		/** Without PAMR. */
		public Settings(int shorterSide, List<Integer> windows, int stride, boolean wholeImage, double stuffFilter) {
			this(shorterSide, windows, stride, wholeImage, stuffFilter, false);
		}

		public Settings withPamr(boolean refine) {
			return new Settings(shorterSide, windows, stride, wholeImage, stuffFilter, refine);
		}

		public Settings {
			windows = List.copyOf(windows);
			if (shorterSide < 0 || stride <= 0 || windows.stream().anyMatch(w -> w <= 0)) throw new
				IllegalArgumentException("window sizes, stride and image size must be positive (the size may be 0 to keep it)");
			if (windows.isEmpty() && !wholeImage) throw new IllegalArgumentException("no window to segment with: give " +
				"window sizes or use the whole image");
		}

		public static Settings defaults() {
			return new Settings(448, List.of(448, 336), 224, true, 0.85);
		}
	}

	/** A class to segment, whether it is stuff, and its prototypes under each extractor's {@link FeatureExtractor#id}. */
	public record Target(String name, boolean stuff, Map<String, Prototypes> prototypes) {}

	/**
	 * One prototype used in matching: the label it votes for (0 = background), the class it was built for, whether
	 * it is a foreground prototype of that class (else a background one) and where it came from.
	 */
	public record PrototypeRef(int label, String className, boolean foreground, Prototypes.Origin origin) {}

	/**
	 * @param labels label names; 0 is "background", then the targets in order
	 * @param labelImage the label of every pixel of the original image, row-major
	 * @param scores per label (0 = background) the averaged cosine similarity in [-1, 1] at every pixel
	 * @param extractors the ensemble's extractor ids
	 * @param winners per extractor and pixel, the index into {@code prototypes.get(extractor)} of the winning label's
	 * best-matching prototype, or -1 where that label has none
	 * @param prototypes per extractor, the prototypes that took part (after the stuff filter)
	 */
	public record Result(int height, int width, List<String> labels, int[] labelImage, float[][] scores,
		List<String> extractors, int[][] winners, List<List<PrototypeRef>> prototypes) {}

	private final Settings settings;

	public Segmenter(Settings settings) {
		this.settings = settings;
	}

	/** The windows [y1, y2, x1, x2] over an image of this size, in the authors' order. */
	public List<int[]> windows(int height, int width) {
		List<int[]> out = new ArrayList<>();
		int stride = settings.stride();
		for (int crop : settings.windows()) {
			int rows = Math.max(height - crop + stride - 1, 0) / stride + 1;
			int cols = Math.max(width - crop + stride - 1, 0) / stride + 1;
			for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) {
				int y2 = Math.min(r * stride + crop, height), x2 = Math.min(c * stride + crop, width);
				out.add(new int[] { Math.max(y2 - crop, 0), y2, Math.max(x2 - crop, 0), x2 });
			}
		}
		if (settings.wholeImage()) out.add(new int[] { 0, height, 0, width });
		return out;
	}

	/**
	 * @param image [1, 3, H, W] RGB in [0, 1]
	 * @param targets the classes to segment (at least one), each with prototypes for every extractor of the ensemble
	 * @param progress told after every window and extractor ("window", done, total)
	 * @param cancel checked before every window and extractor
	 * @throws CancellationException when {@code cancel} is cancelled
	 */
	public Result segment(NDArray image, FeatureExtractor.Ensemble ensemble, List<Target> targets,
		ProgressListener progress, CancelToken cancel)
	{
		Shape s = image.getShape();
		if (s.dimension() != 4 || s.get(0) != 1 || s.get(1) != 3) throw new IllegalArgumentException("the image must " +
			"be one RGB image [1, 3, H, W], not " + s + ": convert it to RGB first");
		List<String> names = ClassNames.distinct(targets.stream().map(Target::name).toList());
		int height = (int) s.get(2), width = (int) s.get(3), labels = targets.size() + 1;
		List<String> labelNames = new ArrayList<>();
		labelNames.add("background");
		labelNames.addAll(names);

		try (NDManager run = image.getManager().newSubManager(image.getDevice())) {
			List<Bank> banks = new ArrayList<>();
			for (FeatureExtractor e : ensemble.members()) banks.add(new Bank(run, e, targets, settings.stuffFilter()));
			NDArray resized = resized(run, image);
			int rh = (int) resized.getShape().get(2), rw = (int) resized.getShape().get(3);
			NDArray sum = run.zeros(new Shape(labels, rh, rw));
			NDArray count = run.zeros(new Shape(1, rh, rw));
			List<NDArray> best = new ArrayList<>(), bestIndex = new ArrayList<>();
			for (int i = 0; i < banks.size(); i++) {
				best.add(run.full(new Shape(labels, rh, rw), Float.NEGATIVE_INFINITY));
				bestIndex.add(run.full(new Shape(labels, rh, rw), -1f));
			}
			List<int[]> windows = windows(rh, rw);
			int total = windows.size() * banks.size(), done = 0;
			for (int[] w : windows) {
				for (int b = 0; b < banks.size(); b++) {
					cancel.check();
					try (NDManager step = run.newSubManager()) {
						NDArray crop = resized.get(step, new NDIndex(":, :, {}:{}, {}:{}", w[0], w[1], w[2], w[3]));
						NDArray[] matched = banks.get(b).match(crop, labels);
						NDArray score = Resize.resize(matched[0], w[1] - w[0], w[3] - w[2], Resize.Mode.BILINEAR).clip(-1, 1);
						NDArray index = Resize.resize(matched[1], w[1] - w[0], w[3] - w[2], Resize.Mode.NEAREST);
						NDIndex region = new NDIndex(":, {}:{}, {}:{}", w[0], w[1], w[2], w[3]);
						sum.set(region, sum.get(step, region).add(score));
						count.set(region, count.get(step, region).add(1f));
						NDArray bestHere = best.get(b).get(step, region), indexHere = bestIndex.get(b).get(step, region);
						NDArray better = score.gt(bestHere);
						best.get(b).set(region, NDArrays.where(better, score, bestHere));
						bestIndex.get(b).set(region, NDArrays.where(better, index, indexHere));
					}
					progress.progress("window", ++done, total);
				}
			}
			NDArray mean = sum.div(count.maximum(1f));
			org.diffseg.sd.NonFiniteException.check(mean, "OVDiff segmentation", "class scores", OvDiff.NON_FINITE_HINT);
			if (settings.pamr()) mean = new Pamr().refine(resized.squeeze(0), mean);
			return result(run, mean, bestIndex, banks, labelNames, height, width);
		}
	}

	/** Shorter side to {@code settings.shorterSide()}, antialiased when shrinking, values kept in [0, 1]. */
	private NDArray resized(NDManager run, NDArray image) {
		int h = (int) image.getShape().get(2), w = (int) image.getShape().get(3);
		int target = settings.shorterSide();
		NDArray x = image.toType(DataType.FLOAT32, true);
		x.attach(run);
		if (target == 0 || Math.min(h, w) == target) return x;
		// torchvision: the longer side becomes int(target * long / short)
		int nh = h <= w ? target : (int) ((long) target * h / w), nw = h <= w ? (int) ((long) target * w / h) : target;
		boolean shrink = nh < h;
		return Resize.resize(x, nh, nw, shrink ? Resize.Mode.BICUBIC_ANTIALIAS : Resize.Mode.BICUBIC).clip(0, 1);
	}

	private Result result(NDManager run, NDArray mean, List<NDArray> bestIndex, List<Bank> banks, List<String> names,
		int height, int width)
	{
		int labels = names.size(), n = height * width;
		float[][] scores = new float[labels][];
		int[] label = new int[n];
		float[] top = new float[n];
		for (int l = 0; l < labels; l++) {
			try (NDManager step = run.newSubManager()) {
				NDArray m = mean.get(step, new NDIndex("{}", l));
				scores[l] = Resize.resize(m, height, width, Resize.Mode.BILINEAR).toFloatArray();
			}
			// scores <= 0 count as 0; the first maximum wins, so ties go to the background
			float[] v = scores[l];
			for (int i = 0; i < n; i++) {
				float z = v[i] > 0 ? v[i] : 0;
				if (l == 0) top[i] = z;
				else if (z > top[i]) {
					top[i] = z;
					label[i] = l;
				}
			}
		}
		int[][] winners = new int[banks.size()][n];
		List<String> ids = new ArrayList<>();
		List<List<PrototypeRef>> refs = new ArrayList<>();
		for (int b = 0; b < banks.size(); b++) {
			ids.add(banks.get(b).extractor.id());
			refs.add(banks.get(b).refs);
			for (int l = 0; l < labels; l++) {
				float[] idx;
				try (NDManager step = run.newSubManager()) {
					idx = Resize.resize(bestIndex.get(b).get(step, new NDIndex("{}", l)), height, width,
						Resize.Mode.NEAREST).toFloatArray();
				}
				for (int i = 0; i < n; i++) if (label[i] == l) winners[b][i] = Math.round(idx[i]);
			}
		}
		return new Result(height, width, List.copyOf(names), label, scores, List.copyOf(ids), winners, List.copyOf(refs));
	}

	/** One extractor's normalised prototypes, rows grouped by label: background first, then each target. */
	private static final class Bank {
		final FeatureExtractor extractor;
		final NDArray matrix; // [P, C], rows L2-normalised
		final int[] from, to; // row range of each label
		final List<PrototypeRef> refs = new ArrayList<>();

		Bank(NDManager run, FeatureExtractor extractor, List<Target> targets, double stuffFilter) {
			this.extractor = extractor;
			int labels = targets.size() + 1;
			from = new int[labels];
			to = new int[labels];
			List<NDArray> fg = new ArrayList<>(), bg = new ArrayList<>();
			for (Target t : targets) {
				Prototypes p = t.prototypes().get(extractor.id());
				if (p == null) throw new IllegalArgumentException("the class '" + t.name() + "' has no prototypes for " +
					"feature extractor " + extractor.id() + ": build them with that extractor first");
				if (p.channels() != extractor.channels()) throw new IllegalArgumentException("the prototypes of '" +
					t.name() + "' have " + p.channels() + " channels but extractor " + extractor.id() + " gives " +
					extractor.channels());
				fg.add(normalised(run, p.fg().vectors()));
				bg.add(normalised(run, p.bg().vectors()));
			}
			NDList stuffFg = new NDList();
			for (int t = 0; t < targets.size(); t++) if (targets.get(t).stuff() && fg.get(t).getShape().get(0) > 0)
				stuffFg.add(fg.get(t));
			NDArray stuff = stuffFg.isEmpty() ? null : NDArrays.concat(stuffFg);
			NDList rows = new NDList();
			for (int t = 0; t < targets.size(); t++) { // background: thing classes' bg prototypes
				Target target = targets.get(t);
				if (target.stuff()) continue;
				Prototypes.Group group = target.prototypes().get(extractor.id()).bg();
				NDArray b = bg.get(t);
				boolean[] keep = new boolean[group.size()];
				Arrays.fill(keep, true);
				if (stuff != null && group.size() > 0) {
					float[] similar = b.matMul(stuff.transpose()).max(new int[] { 1 }).toFloatArray();
					for (int i = 0; i < keep.length; i++) keep[i] = similar[i] <= stuffFilter;
				}
				for (int i = 0; i < keep.length; i++) if (keep[i]) {
					rows.add(b.get(i).expandDims(0));
					refs.add(new PrototypeRef(0, ClassNames.clean(target.name()), false, group.origins().get(i)));
				}
			}
			int row = refs.size();
			to[0] = row;
			for (int t = 0; t < targets.size(); t++) {
				Target target = targets.get(t);
				Prototypes.Group group = target.prototypes().get(extractor.id()).fg();
				from[t + 1] = row;
				for (int i = 0; i < group.size(); i++) refs.add(new PrototypeRef(t + 1, ClassNames.clean(target.name()),
					true, group.origins().get(i)));
				if (group.size() > 0) rows.add(fg.get(t));
				row += group.size();
				to[t + 1] = row;
			}
			matrix = rows.isEmpty() ? run.zeros(new Shape(0, extractor.channels())) : NDArrays.concat(rows);
		}

		private static NDArray normalised(NDManager run, NDArray v) {
			NDArray x = v.toType(DataType.FLOAT32, true);
			x.attach(run);
			return x.div(x.norm(new int[] { 1 }, true).maximum(EPS));
		}

		/**
		 * Scores [labels, h, w] (the best cosine similarity of each label's prototypes, -1 for a label without any)
		 * and the row of the best prototype [labels, h, w] (-1 when none), on the feature grid of this window.
		 */
		NDArray[] match(NDArray crop, int labels) {
			NDArray f = extractor.extract(crop);
			org.diffseg.sd.NonFiniteException.check(f, "OVDiff segmentation", "features of extractor " + extractor.id() +
				" (an image window)", OvDiff.NON_FINITE_HINT);
			Shape fs = f.getShape();
			if (fs.dimension() != 3 || fs.get(0) != extractor.channels()) throw new IllegalStateException("extractor " +
				extractor.id() + " returned features " + fs + " instead of [" + extractor.channels() + ", h, w]");
			long h = fs.get(1), w = fs.get(2);
			NDArray x = f.toType(DataType.FLOAT32, false).reshape(extractor.channels(), h * w);
			x = x.div(x.norm(new int[] { 0 }, true).maximum(EPS));
			NDArray prototypes = matrix.reshape(matrix.getShape()); // a handle owned by this window's scope
			prototypes.attach(x.getManager());
			NDArray sim = prototypes.matMul(x); // [P, hw]
			NDList score = new NDList(), index = new NDList();
			for (int l = 0; l < labels; l++) {
				if (to[l] == from[l]) {
					score.add(x.getManager().full(new Shape(h * w), -1f));
					index.add(x.getManager().full(new Shape(h * w), -1f));
					continue;
				}
				NDArray part = sim.get(from[l] + ":" + to[l]);
				score.add(part.max(new int[] { 0 }));
				index.add(part.argMax(0).toType(DataType.FLOAT32, false).add((float) from[l]));
			}
			return new NDArray[] { NDArrays.stack(score).reshape(labels, h, w), NDArrays.stack(index).reshape(labels, h, w) };
		}
	}
}
