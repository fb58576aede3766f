package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Path;

import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightSources;
import org.diffseg.sd.nn.WeightStore;

/** Reading reference tensors and comparing with the fixtures' rule: max|a - e| <= bound * max|e|. */
public final class Reference {
	public static final Path TINY_SD = Path.of("models/tiny-sd-a");
	public static final Path REF = TINY_SD.resolve("reference");

	private Reference() {}

	/** One component of the tiny model, on the CPU in float32: its open weight file and the store reading it. */
	public record Component<T>(T model, SafeTensors file, WeightStore store) implements AutoCloseable {
		@Override
		public void close() throws IOException {
			try {
				store.close();
			} finally {
				file.close();
			}
		}
	}

	/** The tiny model's VAE with all its weights read (the store is finished). */
	public static Component<AutoencoderKL> tinyVae(NDManager m) throws IOException {
		return component(m, "vae", "vae/diffusion_pytorch_model.safetensors", store -> new AutoencoderKL(
			store.scope(""), AutoencoderKL.Config.from(Json.read(TINY_SD.resolve("vae/config.json")))));
	}

	/** The tiny model's text encoder with all its weights read (the store is finished). */
	public static Component<ClipTextModel> tinyTextEncoder(NDManager m) throws IOException {
		return component(m, "text_encoder", "text_encoder/model.safetensors", store -> new ClipTextModel(
			store.scope("text_model"), ClipTextModel.Config.from(Json.read(TINY_SD.resolve("text_encoder/config.json")))));
	}

	private interface Build<T> {
		T from(WeightStore store) throws IOException;
	}

	private static <T> Component<T> component(NDManager m, String label, String weights, Build<T> build)
		throws IOException
	{
		SafeTensors file = SafeTensors.open(TINY_SD.resolve(weights));
		WeightStore store = null;
		try {
			store = new WeightStore(label, WeightSources.of(file), m, Device.cpu(), DataType.FLOAT32);
			T model = build.from(store);
			store.finish();
			return new Component<>(model, file, store);
		} catch (IOException | RuntimeException | Error e) {
			try (file; WeightStore s = store) {
				throw e;
			}
		}
	}

	public static NDArray load(NDManager m, String file, String name) throws IOException {
		try (SafeTensors st = SafeTensors.open(REF.resolve(file))) {
			return st.load(m, name, DataType.FLOAT32);
		}
	}

	public static double relativeError(NDArray actual, NDArray expected) {
		assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), "shape");
		float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
		float[] e = expected.toType(DataType.FLOAT32, false).toFloatArray();
		double maxDiff = 0, maxRef = 0;
		for (int i = 0; i < a.length; i++) {
			maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - e[i]));
			maxRef = Math.max(maxRef, Math.abs(e[i]));
			if (Float.isNaN(a[i])) return Double.POSITIVE_INFINITY;
		}
		return maxRef == 0 ? maxDiff : maxDiff / maxRef;
	}

	/**
	 * A copy of tiny-sd-a in {@code dir} whose scheduler config says {@code predictionType}: the same weights (linked,
	 * not copied), so its UNet gives the same numbers, now to be read as v or x0 instead of ε.
	 */
	public static Path tinyModelPredicting(Path dir, String predictionType) throws IOException {
		Path model = dir.resolve("tiny-sd-" + predictionType);
		java.nio.file.Files.createDirectories(model.resolve("scheduler"));
		for (String part : new String[] { "model_index.json", "text_encoder", "tokenizer", "unet", "vae" })
			java.nio.file.Files.createSymbolicLink(model.resolve(part), TINY_SD.resolve(part).toAbsolutePath());
		String config = java.nio.file.Files.readString(TINY_SD.resolve("scheduler/scheduler_config.json"));
		java.nio.file.Files.writeString(model.resolve("scheduler/scheduler_config.json"), config.replace(
			"\"prediction_type\": \"epsilon\"", "\"prediction_type\": \"" + predictionType + "\""));
		return model;
	}

	/** The fixtures' rule on plain values: max|actual - expected| <= bound * max|expected|. */
	public static void assertWithin(float[] expected, float[] actual, double bound, String what) {
		assertEquals(expected.length, actual.length, what + ": number of values");
		double maxExpected = 0;
		double maxDiff = 0;
		for (int i = 0; i < expected.length; i++) {
			maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
			maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
		}
		assertTrue(maxDiff <= bound * maxExpected, what + ": max|Δ| = " + maxDiff + " > " + bound + " * " + maxExpected);
	}

	public static void assertClose(NDArray actual, NDArray expected, double bound, String what) {
		double err = relativeError(actual, expected);
		assertTrue(err <= bound, what + ": relative error " + err + " > " + bound);
	}
}
