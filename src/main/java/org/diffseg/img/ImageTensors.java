package org.diffseg.img;

import org.diffseg.run.DiffSegException;
import java.util.Arrays;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.NativeType;
import net.imglib2.type.numeric.ARGBType;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.view.Views;

/**
 * ImgLib2 images to NCHW float32 tensors (N = 1, values in [0, 1], row-major planes: index y·W + x) and back to float
 * planes. RGB and 8-bit values are divided by 255 exactly; 16- and 32-bit channels are each stretched by a
 * {@link Normalisation} of their own (channels of a microscopy image have unrelated ranges). Inputs are never modified.
 */
public final class ImageTensors {

	private ImageTensors() {}

	/** An RGB image (X, Y) as a (1, 3, H, W) tensor, values / 255. */
	public static NDArray rgb(NDManager manager, RandomAccessibleInterval<ARGBType> xy) {
		requireDims(xy, 2, "an RGB image (X, Y)");
		return tensor(manager, argbPlanes(xy), (int) xy.dimension(0), (int) xy.dimension(1));
	}

	/** Red, green and blue planes of an RGB image, values / 255. */
	private static float[][] argbPlanes(RandomAccessibleInterval<ARGBType> xy) {
		int n = planeSize(xy);
		float[][] planes = new float[3][n];
		int i = 0;
		for (ARGBType p : Views.flatIterable(xy)) {
			int v = p.get();
			planes[0][i] = ARGBType.red(v) / 255f;
			planes[1][i] = ARGBType.green(v) / 255f;
			planes[2][i] = ARGBType.blue(v) / 255f;
			i++;
		}
		return planes;
	}

	/** A grey image (X, Y) as a (1, 3, H, W) tensor: the normalised plane replicated to R, G and B. */
	public static <T extends RealType<T>> NDArray grey(NDManager manager, RandomAccessibleInterval<T> xy,
		Normalisation normalisation)
	{
		requireDims(xy, 2, "a grey image (X, Y)");
		float[] plane = normalised(xy, normalisation, "the image");
		return tensor(manager, new float[][] { plane, plane, plane }, (int) xy.dimension(0), (int) xy.dimension(1));
	}

	/**
	 * Chosen channels of a multichannel image (X, Y, C) as a (1, k, H, W) tensor, k = {@code channels.length}, each
	 * channel normalised on its own. Channel indices are 0-based and may repeat ({0, 0, 0} replicates one channel).
	 */
	public static <T extends RealType<T>> NDArray channels(NDManager manager, RandomAccessibleInterval<T> xyc,
		int[] channels, Normalisation normalisation)
	{
		requireDims(xyc, 3, "a multichannel image (X, Y, C)");
		checkChannels(channels, (int) xyc.dimension(2));
		float[][] planes = new float[channels.length][];
		for (int k = 0; k < channels.length; k++) {
			int c = channels[k];
			int first = indexOf(channels, c);
			planes[k] = first < k ? planes[first] : normalised(Views.hyperSlice(xyc, 2, xyc.min(2) + c), normalisation,
				"channel " + (c + 1));
		}
		return tensor(manager, planes, (int) xyc.dimension(0), (int) xyc.dimension(1));
	}

	/**
	 * The (1, 3, H, W) input for Stable Diffusion from one Z slice and time frame (0-based) of a wrapped image.
	 * {@code channels} (0-based; for RGB images 0 = red, 1 = green, 2 = blue) picks one channel, replicated as grey, or
	 * three, used as R, G, B. Null picks the obvious: RGB for RGB images, the only channel of a single-channel image,
	 * the three channels of a 3-channel image; other channel counts must be chosen. A null {@code normalisation} means
	 * {@link Normalisation#DEFAULT}.
	 */
	public static NDArray rgbInput(NDManager manager, Hyperstack<?> image, int[] channels, int slice, int frame,
		Normalisation normalisation)
	{
		return rgbInputTyped(manager, image, channels, slice, frame, normalisation);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static <T extends NativeType<T>> NDArray rgbInputTyped(NDManager manager, Hyperstack<T> image,
		int[] channels, int slice, int frame, Normalisation normalisation)
	{
		if (normalisation == null) normalisation = Normalisation.DEFAULT;
		RandomAccessibleInterval<T> xyc = image.xyc(slice, frame);
		boolean argb = image.type() instanceof ARGBType;
		int available = argb ? 3 : (int) xyc.dimension(2);
		if (argb && xyc.dimension(2) != 1)
			throw DiffSegException.image("RGB image '" + image.title() + "' has " + xyc.dimension(2) +
				" channels of RGB planes", "keep one of them first", DiffSegException.REDUCE_DIMENSIONALITY);
		if (channels == null) {
			if (available == 1) channels = new int[] { 0 };
			else if (available == 3) channels = new int[] { 0, 1, 2 };
			else throw DiffSegException.setting("channels", "Image '" + image.title() + "' has " + available +
				" channels", "choose one (used as grey) or three (used as R, G, B)");
		}
		if (channels.length != 1 && channels.length != 3)
			throw DiffSegException.setting("channels", channels.length + " channels chosen (" +
				Arrays.toString(oneBased(channels)) + ")", "choose one channel (used as grey) or three (used as R, G, B)");
		checkChannels(channels, available);
		int[] three = channels.length == 1 ? new int[] { channels[0], channels[0], channels[0] } : channels;
		if (argb) {
			float[][] rgb = argbPlanes(Views.hyperSlice((RandomAccessibleInterval<ARGBType>) xyc, 2, 0));
			return tensor(manager, new float[][] { rgb[three[0]], rgb[three[1]], rgb[three[2]] },
				(int) xyc.dimension(0), (int) xyc.dimension(1));
		}
		return channels(manager, (RandomAccessibleInterval) xyc, three, normalisation);
	}

	/** The channel planes of a (1, C, H, W) or (C, H, W) float tensor, each row-major (index y·W + x). */
	public static float[][] planes(NDArray tensor) {
		Shape s = tensor.getShape();
		if (!(s.dimension() == 4 && s.get(0) == 1) && s.dimension() != 3)
			throw new IllegalArgumentException("Expected a (1, C, H, W) or (C, H, W) tensor, got " + s + ".");
		int c = (int) s.get(s.dimension() - 3), n = (int) (s.get(s.dimension() - 2) * s.get(s.dimension() - 1));
		float[] all = tensor.getDataType() == DataType.FLOAT32 ? tensor.toFloatArray() :
			tensor.toType(DataType.FLOAT32, false).toFloatArray();
		float[][] planes = new float[c][];
		for (int k = 0; k < c; k++)
			planes[k] = Arrays.copyOfRange(all, k * n, (k + 1) * n);
		return planes;
	}

	private static NDArray tensor(NDManager manager, float[][] planes, int w, int h) {
		int n = w * h;
		float[] data = new float[planes.length * n];
		for (int k = 0; k < planes.length; k++)
			System.arraycopy(planes[k], 0, data, k * n, n);
		return manager.create(data, new Shape(1, planes.length, h, w));
	}

	/** One plane, read row-major and mapped to [0, 1]. */
	private static <T extends RealType<T>> float[] normalised(RandomAccessibleInterval<T> xy, Normalisation normalisation,
		String what)
	{
		float[] values = new float[planeSize(xy)];
		Cursor<T> cursor = Views.flatIterable(xy).cursor();
		for (int i = 0; cursor.hasNext(); i++) {
			float v = cursor.next().getRealFloat();
			if (!Float.isFinite(v))
				throw DiffSegException.image(what + " has the value " + v + " at pixel (x=" +
					cursor.getLongPosition(0) + ", y=" + cursor.getLongPosition(1) + ")", "replace non-finite values first",
					DiffSegException.REPLACE_NON_FINITE);
			values[i] = v;
		}
		if (xy.getType() instanceof UnsignedByteType)
			Normalisation.exact8Bit(values);
		else normalisation.apply(values, what);
		return values;
	}

	private static int planeSize(RandomAccessibleInterval<?> xy) {
		long n = xy.dimension(0) * xy.dimension(1);
		if (n > Integer.MAX_VALUE / 4)
			throw DiffSegException.image("Image plane is too large for a tensor (" + xy.dimension(0) + "×" +
				xy.dimension(1) + ")", "scale it down first", DiffSegException.SCALE_DOWN);
		return (int) n;
	}

	private static void requireDims(RandomAccessibleInterval<?> image, int n, String what) {
		if (image.numDimensions() != n)
			throw new IllegalArgumentException("Expected " + what + " with " + n + " dimensions, got " +
				image.numDimensions() + ".");
	}

	private static void checkChannels(int[] channels, int available) {
		if (channels.length == 0) throw DiffSegException.setting("channels", "no channel chosen",
			"choose one channel (used as grey) or three (used as R, G, B)");
		for (int c : channels)
			if (c < 0 || c >= available)
				throw DiffSegException.setting("channels", "channel " + (c + 1) + " does not exist: the image has " +
					available + " channel" + (available == 1 ? "" : "s"), "choose from 1 to " + available);
	}

	private static int indexOf(int[] values, int v) {
		for (int i = 0; i < values.length; i++)
			if (values[i] == v) return i;
		return -1;
	}

	private static int[] oneBased(int[] values) {
		return Arrays.stream(values).map(v -> v + 1).toArray();
	}
}
