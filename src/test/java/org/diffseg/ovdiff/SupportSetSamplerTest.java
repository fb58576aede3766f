package org.diffseg.ovdiff;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.diffseg.TinyModel;
import org.diffseg.sd.AttentionRecorder;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.sd.nn.TorchResize;
import org.diffseg.sd.scheduler.Scheduler;
import org.diffseg.sd.scheduler.Schedulers;
import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SupportSetSamplerTest extends TensorTest {
	@RegisterExtension
	static final TinyModel<StableDiffusion> sd = TinyModel.sd();
	static final Path SAMPLING = sd.folder().resolve("reference/sampling.safetensors");

	static SupportSet.Sampling fewSteps(int images, int steps) {
		return SupportSet.Sampling.defaults().withImages(images).withSteps(steps);
	}

	/** The support-set sampling path is the reference DPM-Solver++ run: same prompts and start, same final latents. */
	@Test
	void samplingEqualsTheReferenceRun() throws Exception {
		SupportSet.Sampling s = new SupportSet.Sampling("a photograph of an " + SupportSet.Sampling.CLASS,
			SupportSet.Sampling.defaults().negativePrompt(), 1, 8.0, 30, 0);
		SupportSetSampler sampler = new SupportSetSampler(sd.get(), s, 1, 0);
		try (SafeTensors st = SafeTensors.open(SAMPLING); NDManager run = m.newSubManager()) {
			assertArrayEquals(st.readLongs("prompt_input_ids"), sd.get().tokenizer.encode(s.prompt("astronaut riding a horse")).ids());
			NDArray init = st.load(run, "init_latents", DataType.FLOAT32);
			SupportSetSampler.Batch b = sampler.sampleBatch(run, "astronaut riding a horse", init,
				CancelToken.none());
			assertClose(b.latents(), st.load(run, "final_latents", DataType.FLOAT32), 1e-3, "final latents");
			assertClose(b.images(), st.load(run, "image_01", DataType.FLOAT32), 1e-3, "decoded image");
			assertEquals(1, b.heatMaps().size());
			assertEquals(64, b.heatMaps().get(0).width());
		}
	}

	/** "astronaut riding a horse" after "a photograph of an": bos + 4 prefix tokens, then the name's 4 tokens. */
	@Test
	void classTokensAreWhereTheTemplatePutsTheName() {
		SupportSetSampler fixture = new SupportSetSampler(sd.get(), new SupportSet.Sampling("a photograph of an {class}", "",
			1, 8, 1, 0), 1, 0);
		assertArrayEquals(new int[] { 5, 6, 7, 8 }, fixture.classTokens("astronaut  riding a horse"));
		SupportSetSampler sampler = new SupportSetSampler(sd.get(), fewSteps(1, 1), 1, 0);
		// "A good picture of a good": the template's own "good" (position 2) is not the class
		assertArrayEquals(new int[] { 6 }, sampler.classTokens("good"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> sampler.classTokens("very ".repeat(80) + "long"));
		assertTrue(e.getMessage().contains("shorter name"), e.getMessage());
	}

	/**
	 * One step, two images in one batch: the heat maps the sampler returns equal the attribution computed directly
	 * (double precision, torch resize semantics) from the attention probabilities of the same UNet call recorded by
	 * {@link AttentionRecorder}: conditional half, name tokens, bicubic to the latent grid, clamped, summed over heads
	 * and divided by the head count, averaged over tokens, min-max, bilinear to the image, min-max.
	 */
	@Test
	void heatMapsEqualADirectComputationFromRecordedAttention() throws Exception {
		String name = "red dog";
		SupportSetSampler sampler = new SupportSetSampler(sd.get(), fewSteps(2, 1), 2, 0);
		int grid = sampler.attributionSize(), size = sampler.imageSize(), images = 2;
		assertEquals(8, grid);
		try (NDManager run = m.newSubManager(); AttentionRecorder rec = new AttentionRecorder(run,
			p -> p.endsWith("attn2"), true, false); Scheduler scheduler = Schedulers.create(sd.get().schedulerConfig, "dpm++"))
		{
			SupportSet set = sampler.sample(run, name, ProgressListener.NONE, CancelToken.none());
			// the same UNet call, directly
			long t = scheduler.setTimesteps(1)[0];
			NDArray x = sampler.initialLatents(run, 0).concat(sampler.initialLatents(run, 1), 0)
				.mul(scheduler.initNoiseSigma());
			x = scheduler.scaleModelInput(x, t);
			SupportSet.Sampling s = fewSteps(2, 1);
			NDArray states = sd.get().encodeText(run, List.of(s.negativePrompt(), s.prompt(name)));
			NDArray context = states.get("0:1").repeat(0, images).concat(states.get("1:2").repeat(0, images), 0);
			sd.get().unet.forward(x.concat(x, 0), run.create((float) t), context, rec, null);
			assertEquals(16, rec.probs.size()); // every attn2 layer of the tiny UNet
			int[] tokens = { 6, 7 }; // bos, "a good picture of a", then "red", "dog"
			assertArrayEquals(tokens, sampler.classTokens(name));
			for (int img = 0; img < images; img++) {
				double[] sum = new double[grid * grid];
				long headTotal = 0;
				for (String layer : rec.probs.keySet()) {
					long[] hwh = rec.sizes.get(layer);
					int h = (int) hwh[0], w = (int) hwh[1], heads = (int) hwh[2], q = h * w;
					float[] p = rec.probs.get(layer).toFloatArray(); // [2 * images * heads, q, 77]
					for (int tk : tokens) for (int hd = 0; hd < heads; hd++) {
						int row = (images + img) * heads + hd; // the conditional half
						double[] map = new double[q];
						for (int i = 0; i < q; i++) map[i] = p[(row * q + i) * 77 + tk];
						double[] up = TorchResize.bicubic(map, h, w, grid, grid);
						for (int i = 0; i < up.length; i++) sum[i] += Math.max(up[i], 0) / tokens.length;
					}
					headTotal += heads;
				}
				for (int i = 0; i < sum.length; i++) sum[i] /= headTotal;
				double[] expected = minMax(TorchResize.bilinear(minMax(sum), grid, grid, size, size));
				AttributionMapTest.assertMax(expected, set.heatMaps().get(img).values(), 1e-4, "heat map " + img);
			}
			set.images().forEach(NDArray::close);
		}
	}

	/** Image i starts from seed + i: the batch size does not change the images, heat maps or names. */
	@Test
	void batchSizeDoesNotChangeTheSupportSet() {
		try (NDManager run = m.newSubManager()) {
			List<int[]> progress = new ArrayList<>();
			SupportSet one = new SupportSetSampler(sd.get(), fewSteps(3, 3), 1, 0).sample(run, "cat",
				ProgressListener.NONE, CancelToken.none());
			SupportSet two = new SupportSetSampler(sd.get(), fewSteps(3, 3), 2, 0).sample(run, " Cat",
				(stage, done, total) -> progress.add(new int[] { done, total }), CancelToken.none());
			assertEquals(List.of("2/3", "3/3"), progress.stream().map(p -> p[0] + "/" + p[1]).toList());
			assertEquals(List.of("cat #0 (seed 42)", "cat #1 (seed 43)", "cat #2 (seed 44)"), one.imageNames());
			assertEquals("Cat", two.className());
			for (int i = 0; i < 3; i++) {
				assertEquals(new Shape(1, 3, 64, 64), one.images().get(i).getShape());
				assertClose(two.images().get(i), one.images().get(i), 1e-4, "image " + i);
				double[] expected = new double[64 * 64];
				for (int k = 0; k < expected.length; k++) expected[k] = one.heatMaps().get(i).values()[k];
				AttributionMapTest.assertMax(expected, two.heatMaps().get(i).values(), 1e-4, "heat map " + i);
			}
			// different images do differ
			assertTrue(one.images().get(0).sub(one.images().get(1)).abs().max().getFloat() > 1e-3);
		}
	}

	@Test
	void cancellationStopsSampling() {
		SupportSetSampler sampler = new SupportSetSampler(sd.get(), fewSteps(3, 2), 1, 0);
		try (NDManager run = m.newSubManager()) {
			CancelToken cancelled = new CancelToken();
			cancelled.cancel("before");
			assertThrows(CancellationException.class, () -> sampler.sample(run, "cat", ProgressListener.NONE,
				cancelled));
			// cancelled after the first image: the next denoising step stops
			CancelToken later = new CancelToken();
			assertThrows(CancellationException.class, () -> sampler.sample(run, "cat",
				(stage, done, total) -> later.cancel("stop"), later));
		}
	}

	static void assertClose(NDArray actual, NDArray expected, double bound, String what) {
		assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
		float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
		double[] e = new double[a.length];
		float[] ef = expected.toType(DataType.FLOAT32, false).toFloatArray();
		for (int i = 0; i < e.length; i++) e[i] = ef[i];
		AttributionMapTest.assertMax(e, a, bound, what);
	}

	private static double[] minMax(double[] a) {
		double lo = Double.MAX_VALUE, hi = 0;
		for (double v : a) lo = Math.min(lo, v);
		double[] out = new double[a.length];
		for (int i = 0; i < a.length; i++) hi = Math.max(hi, out[i] = a[i] - lo);
		for (int i = 0; i < a.length; i++) out[i] /= Math.max(hi, 1e-6);
		return out;
	}
}
