package org.diffseg.img;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ArrayDataAccess;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.img.basictypeaccess.array.FloatArray;
import net.imglib2.img.basictypeaccess.array.IntArray;
import net.imglib2.img.basictypeaccess.array.ShortArray;
import net.imglib2.img.planar.PlanarImg;
import net.imglib2.img.planar.PlanarImgFactory;
import net.imglib2.loops.LoopBuilder;
import net.imglib2.type.NativeType;
import net.imglib2.type.numeric.ARGBType;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.integer.UnsignedShortType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.util.Fraction;
import net.imglib2.view.Views;

import org.diffseg.run.DiffSegException;

/**
 * An ImageJ 1.x {@link ImagePlus} seen as an ImgLib2 {@link Img} that shares its pixel arrays: writing through the
 * {@code Img} changes the {@code ImagePlus} and vice versa. Each stack plane becomes one plane of a {@link PlanarImg}.
 * <p>
 * Pixel types: 8-bit → {@link UnsignedByteType}, 16-bit → {@link UnsignedShortType} (raw values; a signed-16-bit
 * calibration function is not applied), 32-bit → {@link FloatType}, RGB → {@link ARGBType} (one packed int per pixel,
 * exactly ImageJ's layout; per-channel values come from {@code ARGBType.red/green/blue}). Lookup tables are not pixel
 * data and are ignored.
 * <p>
 * Axes: X and Y always, then channel, Z and time in ImageJ's stack order (channel fastest), each only when longer
 * than 1 (as ImageJ's own wrappers do); {@link #axes()} says which are present.
 * <p>
 * Not called ImagePlusImg: imglib2-ij has a different class of that name, and code using both would clash.
 */
public record Hyperstack<T extends NativeType<T>>(Img<T> img, List<Axis> axes, Calibration calibration, String title) {

	/** The axes an ImageJ hyperstack can have, in ImageJ's order. */
	public enum Axis { X, Y, CHANNEL, Z, TIME }

	public Hyperstack {
		axes = List.copyOf(axes);
		if (img.numDimensions() != axes.size())
			throw new IllegalArgumentException("The image has " + img.numDimensions() + " dimensions but " + axes.size() +
				" axes were given (" + axes + ").");
		if (axes.size() < 2 || axes.get(0) != Axis.X || axes.get(1) != Axis.Y)
			throw new IllegalArgumentException("Axes must start with X, Y (got " + axes + ").");
		for (int d = 2; d < axes.size(); d++)
			if (axes.get(d).ordinal() <= axes.get(d - 1).ordinal())
				throw new IllegalArgumentException("Axes must be X, Y, then channel, Z, time in that order (got " + axes + ").");
		calibration = calibration == null ? new Calibration() : calibration;
		title = title == null ? "" : title;
	}

	/**
	 * Wraps an image without copying. Refuses virtual stacks (their planes live on disk, so nothing could be shared):
	 * the message says how to load one into memory.
	 */
	public static Hyperstack<?> wrap(ImagePlus imp) {
		return switch (imp.getBitDepth()) {
			case 8 -> Hyperstack.<UnsignedByteType, ByteArray, byte[]>wrap(imp, byte[].class, ByteArray::new,
				UnsignedByteType::new);
			case 16 -> Hyperstack.<UnsignedShortType, ShortArray, short[]>wrap(imp, short[].class, ShortArray::new,
				UnsignedShortType::new);
			case 32 -> Hyperstack.<FloatType, FloatArray, float[]>wrap(imp, float[].class, FloatArray::new,
				FloatType::new);
			case 24 -> Hyperstack.<ARGBType, IntArray, int[]>wrap(imp, int[].class, IntArray::new, ARGBType::new);
			default -> throw DiffSegException.image("Image '" + imp.getTitle() + "' has an unsupported bit depth (" +
				imp.getBitDepth() + ")", "convert it to 8-bit, 16-bit, 32-bit or RGB Color first",
				DiffSegException.CONVERT_TYPE);
		};
	}

	/** Wraps an 8-bit image (fails with a clear message for other types). */
	@SuppressWarnings("unchecked")
	public static Hyperstack<UnsignedByteType> wrapUnsignedByte(ImagePlus imp) {
		return (Hyperstack<UnsignedByteType>) wrapExpecting(imp, 8, "8-bit");
	}

	/** Wraps a 16-bit image (fails with a clear message for other types). */
	@SuppressWarnings("unchecked")
	public static Hyperstack<UnsignedShortType> wrapUnsignedShort(ImagePlus imp) {
		return (Hyperstack<UnsignedShortType>) wrapExpecting(imp, 16, "16-bit");
	}

	/** Wraps a 32-bit image (fails with a clear message for other types). */
	@SuppressWarnings("unchecked")
	public static Hyperstack<FloatType> wrapFloat(ImagePlus imp) {
		return (Hyperstack<FloatType>) wrapExpecting(imp, 32, "32-bit");
	}

	/** Wraps an RGB Color image (fails with a clear message for other types). */
	@SuppressWarnings("unchecked")
	public static Hyperstack<ARGBType> wrapArgb(ImagePlus imp) {
		return (Hyperstack<ARGBType>) wrapExpecting(imp, 24, "RGB Color");
	}

	private static Hyperstack<?> wrapExpecting(ImagePlus imp, int bitDepth, String name) {
		if (imp.getBitDepth() != bitDepth)
			throw DiffSegException.image("Image '" + imp.getTitle() + "' is " + typeName(imp.getBitDepth()) +
				", not " + name, "convert it to " + name + " first", DiffSegException.CONVERT_TYPE);
		return wrap(imp);
	}

	private static String typeName(int bitDepth) {
		return bitDepth == 24 ? "RGB Color" : bitDepth + "-bit";
	}

	private static <T extends NativeType<T>, A extends ArrayDataAccess<A>, P> Hyperstack<T> wrap(ImagePlus imp,
		Class<P> pixelClass, Function<P, A> access, Function<PlanarImg<T, A>, T> linkedType)
	{
		ImageStack stack = imp.getStack();
		if (stack.isVirtual())
			throw DiffSegException.image("Image '" + imp.getTitle() + "' is a virtual stack (its planes are on " +
				"disk)", "load it into memory first, or open it without a virtual stack", DiffSegException.LOAD_INTO_MEMORY);
		int n = imp.getStackSize();
		List<A> planes = new ArrayList<>(n);
		for (int i = 1; i <= n; i++) {
			// a single image's processor owns the array; a stack's arrays are in the stack
			Object pixels = n == 1 ? imp.getProcessor().getPixels() : stack.getPixels(i);
			planes.add(access.apply(pixelClass.cast(pixels)));
		}
		List<Axis> axes = new ArrayList<>(List.of(Axis.X, Axis.Y));
		List<Long> dims = new ArrayList<>(List.of((long) imp.getWidth(), (long) imp.getHeight()));
		int[] czt = { imp.getNChannels(), imp.getNSlices(), imp.getNFrames() };
		if ((long) czt[0] * czt[1] * czt[2] != n) // a stack whose C·Z·T does not match: treat the planes as Z
			czt = new int[] { 1, n, 1 };
		Axis[] extra = { Axis.CHANNEL, Axis.Z, Axis.TIME };
		for (int d = 0; d < 3; d++)
			if (czt[d] > 1) {
				axes.add(extra[d]);
				dims.add((long) czt[d]);
			}
		PlanarImg<T, A> img = new PlanarImg<>(planes, dims.stream().mapToLong(Long::longValue).toArray(), new Fraction());
		img.setLinkedType(linkedType.apply(img));
		return new Hyperstack<>(img, axes, imp.getCalibration().copy(), imp.getTitle());
	}

	/** Length of an axis, 1 when the image does not have it. */
	public int size(Axis axis) {
		int d = axes.indexOf(axis);
		return d < 0 ? 1 : (int) img.dimension(d);
	}

	public int width() {
		return size(Axis.X);
	}

	public int height() {
		return size(Axis.Y);
	}

	/** The pixel type (e.g. {@code UnsignedByteType}, {@code ARGBType}). */
	public T type() {
		return img.firstElement();
	}

	/**
	 * One Z slice and time frame as a 3D view X, Y, channel (the channel axis has length 1 for a single-channel image).
	 * Indices are 0-based. The view shares the pixels.
	 */
	public RandomAccessibleInterval<T> xyc(int slice, int frame) {
		checkIndex(Axis.Z, slice);
		checkIndex(Axis.TIME, frame);
		RandomAccessibleInterval<T> view = img;
		int t = axes.indexOf(Axis.TIME);
		if (t >= 0) view = Views.hyperSlice(view, t, frame);
		int z = axes.indexOf(Axis.Z);
		if (z >= 0) view = Views.hyperSlice(view, z, slice);
		return axes.contains(Axis.CHANNEL) ? view : Views.addDimension(view, 0, 0);
	}

	private void checkIndex(Axis axis, int index) {
		if (index < 0 || index >= size(axis))
			throw new IndexOutOfBoundsException(axis + " index " + index + " is outside 0.." + (size(axis) - 1) +
				" of image '" + title + "'.");
	}

	/**
	 * The image as an {@link ImagePlus} with the calibration and title kept. Shares the pixels when the image is a
	 * {@link PlanarImg} or a 2D {@link ArrayImg} of the four ImageJ pixel types (which is what {@link #wrap} makes);
	 * any other image is copied into new planes first. Several channels give a composite image.
	 */
	public ImagePlus toImagePlus() {
		Object[] planes = planes(img);
		if (planes == null) planes = planes(copyToPlanar(img));
		ImageStack stack = new ImageStack(width(), height());
		for (Object plane : planes)
			stack.addSlice(null, plane);
		ImagePlus imp = new ImagePlus(title, stack);
		int c = size(Axis.CHANNEL), z = size(Axis.Z), t = size(Axis.TIME);
		imp.setDimensions(c, z, t);
		imp.setOpenAsHyperStack(c > 1 || t > 1);
		if (c > 1 && imp.getBitDepth() != 24) imp = new CompositeImage(imp, IJ.COMPOSITE);
		imp.setCalibration(calibration.copy());
		return imp;
	}

	/** The Java arrays behind each plane, or null when the image is not laid out as ImageJ planes. */
	private static Object[] planes(Img<?> img) {
		if (!isImageJType(img.firstElement())) return null;
		if (img instanceof PlanarImg<?, ?> planar) {
			Object[] planes = new Object[planar.numSlices()];
			for (int i = 0; i < planes.length; i++)
				planes[i] = ((ArrayDataAccess<?>) planar.getPlane(i)).getCurrentStorageArray();
			return planes;
		}
		if (img instanceof ArrayImg<?, ?> array && img.numDimensions() == 2)
			return new Object[] { ((ArrayDataAccess<?>) array.update(null)).getCurrentStorageArray() };
		return null;
	}

	private static boolean isImageJType(Object type) {
		return type instanceof UnsignedByteType || type instanceof UnsignedShortType || type instanceof FloatType ||
			type instanceof ARGBType;
	}

	private static <T extends NativeType<T>> PlanarImg<T, ?> copyToPlanar(Img<T> img) {
		if (!isImageJType(img.firstElement()))
			throw new IllegalArgumentException("Pixel type " + img.firstElement().getClass().getSimpleName() +
				" has no ImageJ equivalent: use UnsignedByteType, UnsignedShortType, FloatType or ARGBType.");
		if (img.size() / (img.dimension(0) * img.dimension(1)) > Integer.MAX_VALUE ||
			img.dimension(0) * img.dimension(1) > Integer.MAX_VALUE)
			throw new IllegalArgumentException("Image is too large for ImageJ planes (" + img.dimension(0) + "×" +
				img.dimension(1) + ", " + img.size() + " pixels).");
		PlanarImg<T, ?> copy = new PlanarImgFactory<>(img.firstElement()).create(img);
		LoopBuilder.setImages(Views.zeroMin(img), copy).forEachPixel((s, d) -> d.set(s));
		return copy;
	}
}
