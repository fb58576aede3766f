package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

import org.diffseg.TinyModel;
import org.diffseg.sd.AttentionRecorder;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.TextToImage;
import org.diffseg.sd.nn.TorchResize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StableDiffusionFeaturesTest extends TensorTest {
	@RegisterExtension
	static final TinyModel<StableDiffusion> sd = TinyModel.sd();

	/** A smooth colourful test picture [1, 3, h, w] in [0, 1]. */
	static NDArray picture(NDManager s, int h, int w) {
		float[] px = new float[3 * h * w];
		for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
			px[(c * h + y) * w + x] = (float) (0.5 + 0.45 * Math.sin(0.21 * x * (c + 1) + 0.13 * y - c));
		return s.create(px, new Shape(1, 3, h, w));
	}

	@Test
	void shapeChannelsAndIdentity() {
		StableDiffusionFeatures f = new StableDiffusionFeatures(sd.get());
		// tiny UNet block widths [32, 64, 64, 64]: 32 + 64 + 3 * 64 + 3 * 64 + 32
		assertEquals(512, f.channels());
		assertEquals(8, f.grid());
		assertEquals(64, f.size());
		try (NDManager s = m.newSubManager()) {
			NDArray out = f.extract(picture(s, 64, 64));
			assertEquals(new Shape(512, 8, 8), out.getShape());
			assertEquals(DataType.FLOAT32, out.getDataType());
			assertSame(s, out.getManager());
		}
		assertTrue(f.id().contains(sd.get().identity().substring(0, 16)) && f.id().contains("t=200") &&
			f.id().contains("grid=8"), f.id());
		assertNotEquals(f.id(), new StableDiffusionFeatures(sd.get(), 300, 0).id());
		assertNotEquals(f.id(), new StableDiffusionFeatures(sd.get(), 200, 32).id());
		assertThrows(IllegalArgumentException.class, () -> new StableDiffusionFeatures(sd.get(), 1000, 0));
		assertThrows(IllegalArgumentException.class, () -> new StableDiffusionFeatures(sd.get(), 200, 60));
	}

	@Test
	void deterministic() {
		StableDiffusionFeatures f = new StableDiffusionFeatures(sd.get());
		try (NDManager s = m.newSubManager()) {
			NDArray img = picture(s, 40, 52);
			assertArrayEquals(f.extract(img).toFloatArray(), new StableDiffusionFeatures(sd.get()).extract(img).toFloatArray());
		}
	}

	/**
	 * The features are the to_q outputs of a direct UNet call (recorded by {@link AttentionRecorder}) on the noised
	 * VAE latents of the resized image, each resized bilinearly (a double-precision torch reference) and stacked.
	 */
	@Test
	void equalTheRecordedQueriesOfADirectUNetCall() {
		for (int size : new int[] { 0, 32 }) {
			StableDiffusionFeatures f = new StableDiffusionFeatures(sd.get(), 200, size);
			int enc = f.size(), grid = f.grid();
			try (NDManager s = m.newSubManager(); AttentionRecorder rec = new AttentionRecorder(s,
				StableDiffusionFeatures.LAYERS::contains, false, true))
			{
				int h = 48, w = 80;
				NDArray img = picture(s, h, w);
				float[] actual = f.extract(img).toFloatArray();
				// the direct computation
				float[] rgb = img.toFloatArray(), resized = new float[3 * enc * enc];
				for (int c = 0; c < 3; c++) {
					double[] plane = new double[h * w];
					for (int i = 0; i < plane.length; i++) plane[i] = rgb[c * h * w + i];
					double[] r = TorchResize.bilinear(plane, h, w, enc, enc);
					for (int i = 0; i < r.length; i++) resized[c * enc * enc + i] = (float) (2 * r[i] - 1);
				}
				NDArray latents = sd.get().vae.encode(s.create(resized, new Shape(1, 3, enc, enc)), null).mean().mul(0.18215f);
				NDArray noise = TextToImage.initialLatents(s, StableDiffusionFeatures.NOISE_SEED, 1, 4, grid, grid);
				double a = sd.get().noiseSchedule.alphaCumprod(200);
				NDArray noisy = latents.mul((float) Math.sqrt(a)).add(noise.mul((float) Math.sqrt(1 - a)));
				sd.get().unet.forward(noisy, s.create(200f), sd.get().encodeText(s, List.of("")), rec, null);
				assertEquals(StableDiffusionFeatures.LAYERS, List.copyOf(rec.queries.keySet()));
				double[] expected = new double[actual.length];
				int offset = 0;
				for (String layer : StableDiffusionFeatures.LAYERS) {
					long[] hw = rec.sizes.get(layer);
					int lh = (int) hw[0], lw = (int) hw[1];
					NDArray q = rec.queries.get(layer); // [1, lh * lw, C]
					int channels = (int) q.getShape().get(2);
					float[] v = q.toFloatArray();
					for (int c = 0; c < channels; c++) {
						double[] plane = new double[lh * lw];
						for (int i = 0; i < plane.length; i++) plane[i] = v[i * channels + c];
						double[] r = TorchResize.bilinear(plane, lh, lw, grid, grid);
						System.arraycopy(r, 0, expected, offset, r.length);
						offset += r.length;
					}
				}
				assertEquals(expected.length, offset, "channels");
				AttributionMapTest.assertMax(expected, actual, 1e-4, "query features at size " + enc);
			}
		}
	}
}
