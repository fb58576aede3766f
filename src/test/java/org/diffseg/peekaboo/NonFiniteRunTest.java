package org.diffseg.peekaboo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.diffseg.cli.DiffSegCli;
import org.diffseg.sd.Reference;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.SafeTensorsWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose UNet outputs NaN (one NaN bias in a copy of tiny-sd-a) makes Peekaboo and RGBA generation stop with
 * one line naming the iteration and the stage, exit status 1, and no result file.
 */
class NonFiniteRunTest {
	@TempDir
	static Path dir;
	static Path model;

	@BeforeAll
	static void nanModel() throws Exception {
		model = dir.resolve("tiny-sd-nan");
		Files.createDirectories(model.resolve("unet"));
		for (String part : new String[] { "model_index.json", "scheduler", "text_encoder", "tokenizer", "vae" })
			Files.createSymbolicLink(model.resolve(part), Reference.TINY_SD.resolve(part).toAbsolutePath());
		Files.copy(Reference.TINY_SD.resolve("unet/config.json"), model.resolve("unet/config.json"));
		try (SafeTensors unet = SafeTensors.open(Reference.TINY_SD.resolve("unet/diffusion_pytorch_model.safetensors"))) {
			SafeTensorsWriter w = new SafeTensorsWriter();
			for (SafeTensors.TensorInfo t : unet.tensors().values()) {
				float[] v = unet.readFloats(t.name());
				if (t.name().equals("conv_out.bias")) v[0] = Float.NaN;
				w.addFloats(t.name(), t.shape(), v);
			}
			w.write(model.resolve("unet/diffusion_pytorch_model.safetensors"));
		}
	}

	private record Run(int code, String err) {}

	private static Run cli(String... args) {
		StringWriter err = new StringWriter();
		int code = DiffSegCli.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
		return new Run(code, err.toString());
	}

	private static List<String> names(Path folder) throws Exception {
		if (!Files.exists(folder)) return List.of();
		try (Stream<String> files = Files.list(folder).map(p -> p.getFileName().toString())) {
			return files.sorted().toList();
		}
	}

	@Test
	void peekabooStopsAtTheFirstIterationWithOneLineAndNoFiles() throws Exception {
		Path out = dir.resolve("peekaboo");
		Run r = cli("peekaboo", "--model", model.toString(), "--image", PeekabooDeterminismTest.scene(dir).toString(),
			"--prompt", "a cat", "--iterations", "2", "--size", "16", "--out", out.toString());
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code(), r.err());
		assertEquals(1, r.err().lines().count(), r.err());
		assertTrue(r.err().startsWith("diffseg: Peekaboo stopped at iteration 1 of 2: the score distillation " +
			"gradient (UNet noise prediction) is not finite"), r.err());
		assertTrue(r.err().contains("learning rate") && r.err().contains("check the model"), r.err());
		assertEquals(List.of(), names(out));
	}

	/** The sampler behind OVDiff's support sets stops at the first denoising step; Fiji shows the message as it is. */
	@Test
	void textToImageSamplingStopsAtTheFirstStep() throws Exception {
		try (org.diffseg.sd.StableDiffusion sd = org.diffseg.sd.StableDiffusion.load(model, ai.djl.Device.cpu(),
			ai.djl.ndarray.types.DataType.FLOAT32); ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager())
		{
			org.diffseg.sd.TextToImage.Settings s = new org.diffseg.sd.TextToImage.Settings(3, 8f, "dpm++", 64, 64);
			org.diffseg.sd.NonFiniteException e = org.junit.jupiter.api.Assertions.assertThrows(
				org.diffseg.sd.NonFiniteException.class, () -> new org.diffseg.sd.TextToImage(sd).generate(m, "a cat", "",
					1, 1, s, null, org.diffseg.run.ProgressListener.NONE,
					org.diffseg.run.CancelToken.none()));
			assertTrue(e.getMessage().startsWith("Stable Diffusion sampling stopped at iteration 1 of 3: the UNet noise " +
				"prediction is not finite"), e.getMessage());
			assertEquals(e.getMessage(), org.diffseg.fiji.UserMessages.describe(new RuntimeException(e)));
		}
	}

	@Test
	void rgbaStopsTooAndWritesNothing() throws Exception {
		Path out = dir.resolve("rgba");
		Run r = cli("rgba", "--model", model.toString(), "--prompt", "a red apple", "--iterations", "2", "--size", "16",
			"--out", out.toString());
		assertEquals(DiffSegCli.EXIT_FAILURE, r.code(), r.err());
		assertTrue(r.err().startsWith("diffseg: RGBA generation stopped at iteration 1 of 2: the score distillation " +
			"gradient"), r.err());
		assertFalse(r.err().contains("Exception"), r.err());
		assertEquals(List.of(), names(out));
	}
}
