package org.diffseg.ovdiff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import org.diffseg.sd.SafeTensors;

/**
 * The identity of a transformers model folder (CLIP, DINO), as StableDiffusion.identity() is for a diffusers folder:
 * SHA-256 of {@code config.json} and of the name, dtype and shape of every tensor in {@code model.safetensors}'s
 * header. Reading the header only keeps it cheap for 600 MB checkpoints; the price, as for the SD identity, is
 * that a fine-tune with the same config and tensor shapes would share the identity of its base model.
 */
public final class ModelFolderIdentity {
	private ModelFolderIdentity() {}

	/** Hex SHA-256 of the folder's config and weight header. */
	public static String of(Path folder) throws IOException {
		Path config = folder.resolve("config.json"), weights = folder.resolve("model.safetensors");
		if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) throw new IOException(folder +
			" lacks config.json or model.safetensors: give the folder of a Hugging Face model with safetensors weights.");
		MessageDigest digest;
		try {
			digest = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		digest.update(Files.readAllBytes(config));
		try (SafeTensors st = SafeTensors.open(weights)) {
			Map<String, SafeTensors.TensorInfo> sorted = new TreeMap<>(st.tensors());
			for (SafeTensors.TensorInfo t : sorted.values())
				digest.update((t.name() + t.dtype() + Arrays.toString(t.shape()) + ";").getBytes(StandardCharsets.UTF_8));
		}
		return HexFormat.of().formatHex(digest.digest());
	}
}
