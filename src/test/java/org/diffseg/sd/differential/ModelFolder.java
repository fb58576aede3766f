package org.diffseg.sd.differential;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.diffseg.sd.SafeTensorsWriter;
import org.diffseg.sd.WeightFiles;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;

/**
 * A model component written as a diffusers folder (config.json and diffusion_pytorch_model.safetensors with random
 * weights) and loaded back as StableDiffusion loads it: Config.from(config.json), the network built over a
 * WeightStore of the weight files, a complete load required. The plain formulation reads the same file.
 */
final class ModelFolder {
	private ModelFolder() {}

	/** How the production code builds a component from its config. */
	interface Builder<T> {
		T build(WeightStore.Scope scope, Json config) throws java.io.IOException;
	}

	/**
	 * The part of a config.json that diffusers' UNet2DConditionModel and AutoencoderKL share: the class, SiLU, each
	 * block's output channels with its down and up block types, the input and output channels and the GroupNorm
	 * groups.
	 */
	static JsonObject config(String className, int[] channels, String[] downTypes, String[] upTypes, int in, int out,
		int groups)
	{
		Gson gson = new Gson();
		JsonObject j = new JsonObject();
		j.addProperty("_class_name", className);
		j.addProperty("act_fn", "silu");
		j.add("block_out_channels", gson.toJsonTree(channels));
		j.add("down_block_types", gson.toJsonTree(downTypes));
		j.add("up_block_types", gson.toJsonTree(upTypes));
		j.addProperty("in_channels", in);
		j.addProperty("out_channels", out);
		j.addProperty("norm_num_groups", groups);
		return j;
	}

	/**
	 * @param dir an empty folder for the component
	 * @return the production component and the weights as read from the file
	 */
	static <T> Harness.Built<T> writeAndLoad(NDManager m, Path dir, JsonObject config, long seed, Builder<T> builder)
		throws IOException
	{
		Path configFile = dir.resolve("config.json");
		Files.writeString(configFile, config.toString());
		Map<String, long[]> shapes;
		try (WeightStore recording = WeightStore.recordingShapes("shapes", m)) {
			builder.build(recording.scope(""), Json.read(configFile));
			shapes = recording.recordedShapes();
		}
		Weights random = Weights.random(shapes, seed);
		SafeTensorsWriter writer = new SafeTensorsWriter();
		for (String name : shapes.keySet())
			writer.addFloats(name, shapes.get(name), Harness.floats(random.get(name, shapes.get(name))));
		writer.write(dir.resolve("diffusion_pytorch_model.safetensors"));

		try (WeightFiles files = WeightFiles.open(dir)) {
			WeightStore store = new WeightStore(dir.getFileName().toString(), WeightSources.of(files), m,
				Device.cpu(), DataType.FLOAT32);
			T module = builder.build(store.scope(""), Json.read(configFile));
			store.finish();
			Weights stored = new Weights();
			try (NDManager t = m.newSubManager()) {
				for (String name : files.tensors().keySet()) {
					NDArray a = files.load(t, name, DataType.FLOAT32);
					float[] f = a.toFloatArray();
					double[] v = new double[f.length];
					for (int i = 0; i < f.length; i++) v[i] = f[i];
					stored.put(name, a.getShape().getShape(), v);
				}
			}
			return new Harness.Built<>(module, stored);
		}
	}
}
