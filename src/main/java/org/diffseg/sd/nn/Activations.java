package org.diffseg.sd.nn;

import ai.djl.ndarray.NDArray;

/** The activations the configs name (diffusers/transformers ACT2FN). */
public final class Activations {
	private Activations() {}

	public static NDArray silu(NDArray x) {
		NDArray gate = ai.djl.nn.Activation.sigmoid(x);
		// without autograd the fresh gate can take the product in place: one tensor less (x * g == g * x exactly)
		if (InPlace.allowed(x)) return gate.muli(x);
		NDArray out = x.mul(gate);
		gate.close();
		return out;
	}

	/** CLIP's quick_gelu: x * sigmoid(1.702 x). */
	public static NDArray quickGelu(NDArray x) {
		NDArray scaled = Scalars.times(x, 1.702f);
		NDArray gate = ai.djl.nn.Activation.sigmoid(scaled);
		scaled.close();
		NDArray out = x.mul(gate);
		gate.close();
		return out;
	}

	/** Exact (erf) GELU. */
	public static NDArray gelu(NDArray x) {
		return x.getNDArrayInternal().gelu();
	}

	/** By config name: gelu, quick_gelu, silu/swish, relu. */
	public static NDArray apply(String name, NDArray x) {
		return switch (name) {
			case "gelu" -> gelu(x);
			case "quick_gelu" -> quickGelu(x);
			case "silu", "swish" -> silu(x);
			case "relu" -> ai.djl.nn.Activation.relu(x);
			default -> throw new IllegalArgumentException("unsupported activation '" + name +
				"' (supported: gelu, quick_gelu, silu, relu)");
		};
	}

	public static void check(String name) {
		switch (name) {
			case "gelu", "quick_gelu", "silu", "swish", "relu" -> {}
			default -> throw new IllegalArgumentException("unsupported activation '" + name +
				"' (supported: gelu, quick_gelu, silu, relu)");
		}
	}

	/**
	 * A transformer config's {@code hidden_act}, {@code def} when it is not set; a name {@link #check} refuses is a
	 * {@link ConfigException} naming the key.
	 */
	public static String read(Json c, String def) throws ConfigException {
		String act = c.string("hidden_act", def);
		try {
			check(act);
		}
		catch (IllegalArgumentException e) {
			throw c.invalid("hidden_act", "one of \"quick_gelu\", \"gelu\", \"silu\", \"relu\"");
		}
		return act;
	}
}
