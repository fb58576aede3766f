package org.diffseg.sd.nn;

/**
 * The sizes every transformers encoder config has (CLIPTextConfig, CLIPVisionConfig, ViTConfig), read and checked
 * before anything is allocated: required (transformers writes them all; an empty config must not become a default
 * model), bounded by {@link ConfigLimits}, and hidden_size divisible by num_attention_heads.
 */
public record EncoderSizes(int hidden, int heads, int layers, int intermediate) {

	/** hidden_size, num_attention_heads, num_hidden_layers and intermediate_size of {@code c}, in that order. */
	public static EncoderSizes read(Json c) throws ConfigException {
		int hidden = c.integer("hidden_size", 1, ConfigLimits.MAX_CHANNELS);
		int heads = c.integer("num_attention_heads", 1, ConfigLimits.MAX_HEADS);
		if (hidden % heads != 0) throw c.invalid("num_attention_heads", "a divisor of hidden_size " + hidden);
		int layers = c.integer("num_hidden_layers", 1, ConfigLimits.MAX_HIDDEN_LAYERS);
		int intermediate = c.integer("intermediate_size", 1, ConfigLimits.MAX_INTERMEDIATE);
		return new EncoderSizes(hidden, heads, layers, intermediate);
	}
}
