package org.diffseg.sd.differential;

import static org.diffseg.sd.differential.Harness.assertAllRead;
import static org.diffseg.sd.differential.Harness.assertClose;
import static org.diffseg.sd.differential.Harness.between;
import static org.diffseg.sd.differential.Harness.nd;
import static org.diffseg.sd.differential.Harness.randomImage;
import static org.diffseg.sd.differential.Harness.randomTokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.SplittableRandom;

import org.diffseg.sd.Attention;
import org.diffseg.sd.AttentionRecorder;
import org.diffseg.sd.ResnetBlock2D;
import org.diffseg.sd.Sampling2D;
import org.diffseg.sd.Transformer2D;
import org.diffseg.sd.VaeAttention;
import org.diffseg.sd.nn.Conv2d;
import org.diffseg.sd.nn.Norms;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each building block of the Stable Diffusion port against {@link PlainModules} (double-precision loops), over many
 * seeded random configurations: odd channel counts, groups of 1-8 channels, 1-8 heads of any size, non-square and
 * odd sizes, and inputs in both memory layouts the UNet produces (row-major, and the channels-last strides a
 * Transformer2D output has). Each failure message names the configuration.
 */
class BuildingBlocksDifferentialTest {
	static NDManager m;

	@BeforeAll
	static void open() {
		m = NDManager.newBaseManager();
	}

	@AfterAll
	static void close() {
		m.close();
	}

	/** One random configuration of a test, with a sub-manager of m freed after it. */
	interface Config {
		void check(SplittableRandom r, NDManager t, int config);
	}

	/** {@code configs} configurations drawn from one generator seeded with {@code seed}, in order. */
	static void randomConfigs(long seed, int configs, Config test) {
		SplittableRandom r = new SplittableRandom(seed);
		for (int config = 0; config < configs; config++) {
			try (NDManager t = m.newSubManager()) {
				test.check(r, t, config);
			}
		}
	}

	@Test
	void conv2dOverKernelsStridesPaddingsAndLayouts() {
		randomConfigs(101, 40, (r, t, config) -> {
			int in = between(r, 1, 48), out = between(r, 1, 48), k = r.nextBoolean() ? 3 : 1;
			int stride = between(r, 1, 2), pad = between(r, 0, 1);
			int n = between(r, 1, 2), h = between(r, k, 9), w = between(r, k, 9);
			boolean channelsLast = r.nextBoolean();
			String what = "conv2d config " + config + ": " + in + "->" + out + " k" + k + " s" + stride + " p" + pad +
				" on " + n + "x" + h + "x" + w + (channelsLast ? " channels-last" : "");
			var built = Harness.build(t, r.nextLong(), s -> new Conv2d(s.scope("conv"), in, out, k, stride, pad));
			Image x = randomImage(r, n, in, h, w);
			Image expected = PlainModules.conv(built.weights(), "conv", x, out, k, stride, pad);
			assertClose(built.module().forward(nd(t, x, channelsLast)), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void conv2dWithMoreThan16InputChannelsNotAMultipleOf16() {
		// libtorch 2.5.1's oneDNN convolution gets these wrong (batch >= 2, 3x3) unless Conv2d pads the channels
		SplittableRandom r = new SplittableRandom(111);
		for (int in : new int[] { 17, 24, 41, 47, 63 }) {
			for (int stride = 1; stride <= 2; stride++) {
				try (NDManager t = m.newSubManager()) {
					int channels = in, s2 = stride;
					String what = "conv2d " + in + "->13 3x3 stride " + stride + " on 2x5x6";
					var built = Harness.build(t, r.nextLong(), s -> new Conv2d(s.scope("conv"), channels, 13, 3, s2, 1));
					Image x = randomImage(r, 2, in, 5, 6);
					Image expected = PlainModules.conv(built.weights(), "conv", x, 13, 3, stride, 1);
					assertClose(built.module().forward(nd(t, x)), expected, what);
				}
			}
		}
	}

	@Test
	void groupNormOverGroupSizesAndShapes() {
		randomConfigs(102, 40, (r, t, config) -> {
			int groups = between(r, 1, 8), perGroup = between(r, 1, 8), channels = groups * perGroup;
			int n = between(r, 1, 3), h = between(r, 1, 7), w = between(r, 1, 7);
			float eps = r.nextBoolean() ? 1e-5f : 1e-6f;
			boolean channelsLast = r.nextBoolean();
			String what = "GroupNorm config " + config + ": " + groups + " groups of " + perGroup + " on " + n + "x" +
				h + "x" + w + (channelsLast ? " channels-last" : "");
			var built = Harness.build(t, r.nextLong(), s -> new Norms.GroupNorm(s.scope("norm"), groups, channels,
				eps));
			Image x = randomImage(r, n, channels, h, w);
			Image expected = PlainModules.groupNormNamed(built.weights(), "norm", x, groups, eps);
			assertClose(built.module().forward(nd(t, x, channelsLast)), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void layerNormOverWidths() {
		randomConfigs(103, 20, (r, t, config) -> {
			int n = between(r, 1, 3), tokens = between(r, 1, 12), dim = between(r, 1, 40);
			String what = "LayerNorm config " + config + ": width " + dim + " on " + n + "x" + tokens;
			var built = Harness.build(t, r.nextLong(), s -> new Norms.LayerNorm(s.scope("norm"), dim, 1e-5f));
			Tokens x = randomTokens(r, n, tokens, dim);
			Tokens expected = PlainModules.layerNormNamed(built.weights(), "norm", x);
			assertClose(built.module().forward(nd(t, x)), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void resnetBlockWithAndWithoutShortcutAndTimeEmbedding() {
		randomConfigs(104, 40, (r, t, config) -> {
			int groups = between(r, 1, 6), in = groups * between(r, 1, 8);
			int out = config % 2 == 0 ? in : groups * between(r, 1, 8); // every other one keeps its width
			int temb = r.nextBoolean() ? between(r, 1, 20) : 0;
			int n = between(r, 1, 2), h = between(r, 1, 7), w = between(r, 1, 7);
			float eps = r.nextBoolean() ? 1e-5f : 1e-6f;
			boolean channelsLast = r.nextBoolean();
			String what = "ResnetBlock2D config " + config + ": " + in + "->" + out + " channels, " + groups +
				" groups, temb " + temb + ", on " + n + "x" + h + "x" + w + (channelsLast ? " channels-last" : "");
			var built = Harness.build(t, r.nextLong(), s -> new ResnetBlock2D(s.scope("resnet"), in, out, temb,
				groups, eps));
			Image x = randomImage(r, n, in, h, w);
			double[][] embedding = null;
			NDArray embeddingNd = null;
			if (temb > 0) {
				Tokens e = randomTokens(r, 1, n, temb);
				embedding = new double[n][temb];
				for (int b = 0; b < n; b++) System.arraycopy(e.v, b * temb, embedding[b], 0, temb);
				embeddingNd = nd(t, e).reshape(n, temb);
			}
			Image expected = PlainModules.resnet(built.weights(), "resnet", x, embedding, out, groups, eps);
			assertClose(built.module().forward(nd(t, x, channelsLast), embeddingNd), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void selfAndCrossAttentionWithAnyHeadCountAndHeadSize() {
		randomConfigs(105, 40, (r, t, config) -> {
			try (AttentionRecorder recorder = AttentionRecorder.all(t)) {
				int queryDim = between(r, 1, 24), heads = between(r, 1, 8), headDim = between(r, 1, 12);
				boolean cross = r.nextBoolean();
				int contextDim = cross ? between(r, 1, 20) : queryDim;
				int n = between(r, 1, 2), tq = between(r, 1, 20), tk = cross ? between(r, 1, 10) : tq;
				String what = "Attention config " + config + ": " + (cross ? "cross" : "self") + ", width " + queryDim +
					", " + heads + " heads of " + headDim + ", " + n + "x" + tq + " queries, " + tk + " keys of " +
					contextDim;
				var built = Harness.build(t, r.nextLong(), s -> new Attention(s.scope("attn2"), queryDim, contextDim,
					heads, headDim, false));
				Tokens x = randomTokens(r, n, tq, queryDim);
				Tokens context = cross ? randomTokens(r, n, tk, contextDim) : null;
				double[] probs = new double[n * heads * tq * tk];
				Tokens expected = PlainModules.attention(built.weights(), "attn2", x, context, heads, headDim, probs);
				NDArray got = built.module().forward(nd(t, x), cross ? nd(t, context) : null, recorder, 1, tq);
				assertClose(got, expected, what);
				// the probabilities and queries OVDiff reads: batch-major rows b*heads + h, queries = to_q output
				assertClose(recorder.probs.get("attn2"), probs, new long[] { n * heads, tq, tk }, what + ", probabilities");
				Tokens queries = PlainModules.dense(built.weights(), "attn2.to_q", x, heads * headDim, false);
				assertClose(recorder.queries.get("attn2"), queries, what + ", queries");
				assertAllRead(built.weights(), what);
			}
		});
	}

	@Test
	void largeSelfAttentionComputedInQueryChunks() {
		// 3 heads x 900 x 900 float scores exceed the 8 MB CPU block, so the queries are processed in pieces
		SplittableRandom r = new SplittableRandom(106);
		try (NDManager t = m.newSubManager()) {
			int width = 15, heads = 3, headDim = 5, tokens = 900;
			var built = Harness.build(t, r.nextLong(), s -> new Attention(s.scope("attn1"), width, width, heads,
				headDim, false));
			Tokens x = randomTokens(r, 1, tokens, width);
			Tokens expected = PlainModules.attention(built.weights(), "attn1", x, null, heads, headDim, null);
			assertClose(built.module().forward(nd(t, x), null, null, 30, 30), expected, "chunked self-attention");
		}
	}

	@Test
	void transformer2dWithConvAndLinearProjection() {
		randomConfigs(107, 30, (r, t, config) -> {
			int groups = between(r, 1, 4), channels = groups * between(r, 1, 8);
			int heads = between(r, 1, Math.min(8, channels)), layers = between(r, 1, 3);
			boolean linear = r.nextBoolean(), onlyCross = r.nextInt(4) == 0;
			int crossDim = between(r, 1, 16), contextTokens = between(r, 1, 8);
			int n = between(r, 1, 2), h = between(r, 1, 6), w = between(r, 1, 6);
			String what = "Transformer2D config " + config + ": " + channels + " channels in " + groups + " groups, " +
				heads + " heads, " + layers + " layers, " + (linear ? "linear" : "conv") + " projection" +
				(onlyCross ? ", only cross-attention" : "") + ", context " + contextTokens + "x" + crossDim + ", on " +
				n + "x" + h + "x" + w;
			var built = Harness.build(t, r.nextLong(), s -> new Transformer2D(s.scope("attentions.0"), channels,
				heads, layers, crossDim, groups, linear, onlyCross, false));
			Image x = randomImage(r, n, channels, h, w);
			Tokens context = randomTokens(r, n, contextTokens, crossDim);
			Image expected = PlainModules.transformer2d(built.weights(), "attentions.0", x, context, heads, layers,
				groups, linear, onlyCross);
			assertClose(built.module().forward(nd(t, x), nd(t, context), null), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void downsamplersOfUNetAndVaeOnOddAndEvenSizes() {
		randomConfigs(108, 30, (r, t, config) -> {
			int channels = between(r, 1, 40), n = between(r, 1, 2), h = between(r, 2, 9), w = between(r, 2, 9);
			boolean vae = r.nextBoolean(), channelsLast = r.nextBoolean();
			String what = "Downsample2D config " + config + ": " + (vae ? "VAE (right/bottom pad)" : "UNet (pad 1)") +
				", " + channels + " channels on " + n + "x" + h + "x" + w + (channelsLast ? " channels-last" : "");
			var built = Harness.build(t, r.nextLong(), s -> new Sampling2D.Downsample(s.scope("downsamplers.0"),
				channels, vae));
			Image x = randomImage(r, n, channels, h, w);
			Image expected = PlainModules.downsample(built.weights(), "downsamplers.0", x, vae);
			assertClose(built.module().forward(nd(t, x, channelsLast)), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void upsamplersDoublingOrToTheSkipSize() {
		randomConfigs(109, 30, (r, t, config) -> {
			int channels = between(r, 1, 40), n = between(r, 1, 2), h = between(r, 1, 6), w = between(r, 1, 6);
			boolean doubling = r.nextInt(3) == 0, channelsLast = r.nextBoolean();
			// a skip of an odd size s was downsampled to (s + 1) / 2: the upsampler goes back to s
			int th = doubling ? 2 * h : 2 * h - r.nextInt(2), tw = doubling ? 2 * w : 2 * w - r.nextInt(2);
			String what = "Upsample2D config " + config + ": " + channels + " channels, " + h + "x" + w + " -> " + th +
				"x" + tw + (doubling ? " (doubling)" : " (skip size)") + (channelsLast ? " channels-last" : "");
			var built = Harness.build(t, r.nextLong(), s -> new Sampling2D.Upsample(s.scope("upsamplers.0"),
				channels));
			Image x = randomImage(r, n, channels, h, w);
			Image expected = PlainModules.upsample(built.weights(), "upsamplers.0", x, th, tw);
			NDArray got = built.module().forward(nd(t, x, channelsLast), doubling ? null : new long[] { th, tw });
			assertClose(got, expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	@Test
	void vaeMidBlockAttentionWithCurrentAndLegacyNames() {
		randomConfigs(110, 20, (r, t, config) -> {
			int groups = between(r, 1, 6), channels = groups * between(r, 1, 8);
			int n = between(r, 1, 2), h = between(r, 1, 6), w = between(r, 1, 6);
			boolean legacy = r.nextBoolean(), channelsLast = r.nextBoolean();
			String what = "VAE attention config " + config + ": " + channels + " channels in " + groups + " groups " +
				(legacy ? "(legacy names)" : "") + " on " + n + "x" + h + "x" + w + (channelsLast ? " channels-last" :
				"");
			var built = Harness.build(t, r.nextLong(), legacy ? BuildingBlocksDifferentialTest::legacyVaeName :
				name -> name, s -> new VaeAttention(s.scope("attentions.0"), channels, groups, 1e-6f));
			Image x = randomImage(r, n, channels, h, w);
			Image expected = PlainModules.vaeAttention(built.weights(), "attentions.0", x, groups, legacy);
			assertClose(built.module().forward(nd(t, x, channelsLast)), expected, what);
			assertAllRead(built.weights(), what);
		});
	}

	/** The original SD checkpoints' names of the VAE attention weights. */
	static String legacyVaeName(String name) {
		return name.replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
			.replace(".to_out.0.", ".proj_attn.");
	}
}
