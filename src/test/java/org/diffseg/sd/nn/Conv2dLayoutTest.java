package org.diffseg.sd.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Our Conv2d gives the same numbers whatever the strides of its input. libtorch 2.5.1's CPU convolution is wrong
 * for some channels-last inputs (what a permute back from tokens plus an add yields): the root cause of tiny-sd-b's
 * UNet failing from down_blocks.1 on. The result is compared with a convolution written out as loops.
 */
class Conv2dLayoutTest {

	@Test
	void channelsLastInputGivesTheSameResultAsTheLoopConvolution() {
		try (NDManager m = NDManager.newBaseManager()) {
			m.getEngine().setRandomSeed(11);
			int b = 2, c = 48, h = 4, w = 6;
			NDArray weight = m.randomNormal(new Shape(c, c, 3, 3)).mul(0.1f);
			NDArray bias = m.randomNormal(new Shape(c));
			Map<String, NDArray> params = new HashMap<>();
			params.put("conv.weight", weight);
			params.put("conv.bias", bias);
			Conv2d conv = new Conv2d(TestParams.of(m, params).scope("conv"), c, c, 3, 2, 1);
			// tokens [B, H*W, C] -> [B, C, H, W] by a permute, then an add: channels-last strides
			NDArray tokens = m.randomNormal(new Shape(b, h * w, c));
			NDArray x = tokens.reshape(b, h, w, c).transpose(0, 3, 1, 2).add(m.randomNormal(new Shape(b, c, h, w)));
			float[] in = x.toFloatArray(), k = weight.toFloatArray(), bs = bias.toFloatArray();
			float[] got = conv.forward(x).toFloatArray();
			int oh = 2, ow = 3;
			double worst = 0, scale = 0;
			for (int n = 0; n < b; n++)
				for (int o = 0; o < c; o++)
					for (int y = 0; y < oh; y++)
						for (int xx = 0; xx < ow; xx++) {
							double s = bs[o];
							for (int i = 0; i < c; i++)
								for (int ky = 0; ky < 3; ky++)
									for (int kx = 0; kx < 3; kx++) {
										int iy = y * 2 - 1 + ky, ix = xx * 2 - 1 + kx;
										if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
										s += (double) in[((n * c + i) * h + iy) * w + ix] * k[((o * c + i) * 3 + ky) * 3 + kx];
									}
							float g = got[((n * c + o) * oh + y) * ow + xx];
							worst = Math.max(worst, Math.abs(g - s));
							scale = Math.max(scale, Math.abs(s));
						}
			assertTrue(worst <= 1e-5 * scale, "max |diff| " + worst + " of " + scale);
		}
	}
}
