package org.diffseg.sd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.TestParams;
import org.junit.jupiter.api.Test;

/**
 * {@code upcast_attention} (SD 2.x configs): with float16 weights the attention scores and the softmax are computed in
 * float32, and the layer still returns float16. Scores beyond float16's range (65504) overflow to infinity without it,
 * and the softmax of infinities is NaN.
 */
class AttentionUpcastTest {
	private static final int DIM = 8;

	private static Attention attention(NDManager m, boolean upcast) {
		Map<String, NDArray> tensors = new LinkedHashMap<>();
		NDArray eye = m.eye(DIM).mul(30f);
		for (String p : new String[] { "to_q", "to_k", "to_v" }) tensors.put("attn." + p + ".weight", eye);
		tensors.put("attn.to_out.0.weight", m.eye(DIM));
		tensors.put("attn.to_out.0.bias", m.zeros(new Shape(DIM)));
		WeightStore store = TestParams.of(m, tensors, DataType.FLOAT16);
		return new Attention(store.scope("attn"), DIM, DIM, 1, DIM, upcast);
	}

	@Test
	void float16ScoresAndSoftmaxRunInFloat32WhenUpcast() {
		try (NDManager m = NDManager.newBaseManager()) {
			// q = k = 30 x: scores of about 0.35 * 900^2 * 8 = 2.3e6, far beyond float16
			NDArray x = m.randomUniform(25f, 35f, new Shape(1, 4, DIM)).toType(DataType.FLOAT16, false);
			NDArray[] recorded = new NDArray[1];
			AttentionTap tap = new AttentionTap() {
				@Override
				public boolean wants(String layerPath) {
					return true;
				}

				@Override
				public void record(String layerPath, NDArray probs, NDArray query, int heads, long height, long width) {
					recorded[0] = probs;
				}
			};
			NDArray up = attention(m, true).forward(x, null, tap, 2, 2);
			assertEquals(DataType.FLOAT16, up.getDataType(), "the layer returns the model's type");
			assertEquals(DataType.FLOAT32, recorded[0].getDataType(), "probabilities computed in float32");
			assertTrue(Float.isFinite(up.toType(DataType.FLOAT32, false).abs().max().getFloat()), "upcast output");
			NDArray plain = attention(m, false).forward(x, null, tap, 2, 2);
			assertEquals(DataType.FLOAT16, recorded[0].getDataType());
			assertFalse(Float.isFinite(plain.toType(DataType.FLOAT32, false).abs().max().getFloat()),
				"without upcast the float16 scores overflow (this test's premise)");
		}
	}
}
