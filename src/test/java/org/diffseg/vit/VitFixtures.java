package org.diffseg.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.sd.SafeTensors;

/** The tiny-vit fixtures and the README's comparison rules. */
public final class VitFixtures {
	static final Path ROOT = Path.of("models/tiny-vit");
	public static final Path CLIP = ROOT.resolve("tiny-clip");
	public static final Path DINO = ROOT.resolve("tiny-dino");
	static final Path REF = ROOT.resolve("reference");

	private VitFixtures() {}

	static NDArray load(NDManager m, String file, String name) throws IOException {
		try (SafeTensors st = SafeTensors.open(REF.resolve(file + ".safetensors"))) {
			return st.load(m, name, DataType.FLOAT32);
		}
	}

	static Uint8Image image(NDManager m, String file, String name) throws IOException {
		return Uint8Image.of(load(m, file, name));
	}

	/** The README's rule for float tensors: max|a - e| <= bound * max|e|. */
	static void assertRelative(NDArray actual, NDArray expected, double bound, String what) {
		double[] e = errors(actual, expected);
		assertTrue(e[1] <= bound, what + ": relative error " + e[1] + " > " + bound);
	}

	/** pixel_values: max|a - e| <= bound. */
	static void assertAbsolute(NDArray actual, NDArray expected, double bound, String what) {
		double[] e = errors(actual, expected);
		assertTrue(e[0] <= bound, what + ": max abs error " + e[0] + " > " + bound);
	}

	static void assertSameImage(Uint8Image expected, Uint8Image actual, String what) {
		assertArrayEquals(new int[] { expected.height(), expected.width(), expected.channels() },
			new int[] { actual.height(), actual.width(), actual.channels() }, what + " size");
		assertArrayEquals(expected.data(), actual.data(), what);
	}

	/** { max|a - e|, max|a - e| / max|e| }, NaN counting as infinite, as the reference check measures it. */
	static double[] errors(NDArray actual, NDArray expected) {
		assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), "shape");
		return VitReferenceCheck.errors(actual, expected);
	}
}
