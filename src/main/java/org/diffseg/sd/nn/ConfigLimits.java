package org.diffseg.sd.nn;

/**
 * Upper bounds on the sizes read from model configs, checked before anything is allocated. They are generous: each
 * admits every Stable Diffusion 1.x / 2.x / XL-sized and CLIP / DINO checkpoint (real values in parentheses) and the
 * tiny test fixtures, while keeping a hostile or corrupted value (layers_per_block 100000, a vocabulary of 2^31)
 * from sizing a network that exhausts memory. Tensors a config asks for are then read only where the weight file has
 * them at that shape, so memory is bounded by the weight files.
 */
public final class ConfigLimits {
	private ConfigLimits() {}

	/** Resolution levels of a UNet or VAE, the length of block_out_channels (SD and its VAE: 4; XL: 3). */
	public static final int MAX_BLOCKS = 8;
	/** Block and hidden widths: block_out_channels, cross_attention_dim, hidden_size (SD 1280; XL cross 2048). */
	public static final int MAX_CHANNELS = 8192;
	/** MLP widths: intermediate_size (CLIP-L 3072, OpenCLIP bigG 5120, ViT-G 8192). */
	public static final int MAX_INTERMEDIATE = 32768;
	/** ResNet layers per UNet/VAE block: layers_per_block (SD: 2). */
	public static final int MAX_LAYERS_PER_BLOCK = 16;
	/** Transformer blocks per UNet attention: transformer_layers_per_block (SD: 1; XL: up to 10). */
	public static final int MAX_TRANSFORMER_LAYERS = 64;
	/** Encoder layers of a text or vision transformer: num_hidden_layers (SD 1.x: 12, SD 2.x: 23, bigG: 32). */
	public static final int MAX_HIDDEN_LAYERS = 256;
	/** Attention heads (SD 1.x: 8; SD 2.x: 5 to 20; CLIP-L: 12/16). */
	public static final int MAX_HEADS = 256;
	/** GroupNorm groups: norm_num_groups (SD: 32). */
	public static final int MAX_GROUPS = 1024;
	/** Image, latent and UNet input/output channels (RGB 3; SD latents 4, SD3 16; inpainting UNet input 9). */
	public static final int MAX_IO_CHANNELS = 64;
	/** Token vocabulary: vocab_size and tokenizer ids (CLIP: 49408). */
	public static final int MAX_VOCAB = 1_000_000;
	/** Text positions: max_position_embeddings, model_max_length (CLIP: 77). */
	public static final int MAX_POSITIONS = 8192;
	/** sample_size of a UNet (latent side: 64, 96, XL 128) or VAE (image side: 512 to 1024), image_size of a ViT. */
	public static final int MAX_SAMPLE_SIZE = 4096;
	/** Patches per side of a ViT position table (B/16 at 224: 14; B/8: 28; L/14 at 336: 24). */
	public static final int MAX_PATCH_GRID = 256;
}
