package org.diffseg.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.diffseg.sd.AutoencoderKL;
import org.diffseg.sd.ClipTextModel;
import org.diffseg.sd.SafeTensors;
import org.diffseg.sd.SafeTensorsWriter;
import org.diffseg.sd.UNet2DCondition;
import org.diffseg.sd.WeightFiles;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.WeightStore;
import org.diffseg.sd.nn.WeightSources;

/**
 * One network of a model folder (text_encoder, vae or unet), built by the production classes on a
 * {@link WeightStore} that reads the component's safetensors, so training and inference run the same code. Keeps
 * every loaded weight by its diffusers name, so they can be trained in place and written back.
 */
final class Net<T> {
	final String component;
	final T module;
	/** Weights by name, in load order; float32, requiring gradients once {@link #train()} was called. */
	final Map<String, NDArray> params;

	private Net(String component, T module, Map<String, NDArray> params) {
		this.component = component;
		this.module = module;
		this.params = params;
	}

	interface Builder<T> {
		T build(WeightStore.Scope scope, Json config) throws IOException;
	}

	static Net<ClipTextModel> text(Path folder, NDManager m) throws IOException {
		return load(folder, "text_encoder", m, (s, c) -> new ClipTextModel(s.scope("text_model"), ClipTextModel.Config.from(c)));
	}

	static Net<AutoencoderKL> vae(Path folder, NDManager m) throws IOException {
		return load(folder, "vae", m, (s, c) -> new AutoencoderKL(s.scope(""), AutoencoderKL.Config.from(c)));
	}

	static Net<UNet2DCondition> unet(Path folder, NDManager m) throws IOException {
		return load(folder, "unet", m, (s, c) -> new UNet2DCondition(s.scope(""), UNet2DCondition.Config.from(c)));
	}

	static <T> Net<T> load(Path folder, String component, NDManager m, Builder<T> builder) throws IOException {
		Json config = Json.read(folder.resolve(component).resolve("config.json"));
		Map<String, NDArray> params = new LinkedHashMap<>();
		try (WeightFiles files = WeightFiles.open(folder.resolve(component))) {
			WeightStore.TensorSource files0 = WeightSources.of(files);
			WeightStore.TensorSource source = new WeightStore.TensorSource() {
				@Override
				public Map<String, long[]> shapes() {
					return files0.shapes();
				}

				@Override
				public NDArray load(NDManager manager, String name, DataType floatType) throws IOException {
					NDArray a = files0.load(manager, name, floatType);
					params.put(name, a);
					return a;
				}
			};
			WeightStore store = new WeightStore(component, source, m, Device.cpu(), DataType.FLOAT32);
			T module = builder.build(store.scope(""), config);
			store.finish();
			return new Net<>(component, module, params);
		}
	}

	/** Marks every weight as requiring gradients. */
	Net<T> train() {
		for (NDArray p : params.values()) p.setRequiresGradient(true);
		return this;
	}

	long parameterCount() {
		long n = 0;
		for (NDArray p : params.values()) n += p.size();
		return n;
	}

	/** Writes the weights as float32 (checkpoints) or float16 (the shipped model). */
	void write(Path file, boolean half) throws IOException {
		SafeTensorsWriter w = new SafeTensorsWriter();
		for (Map.Entry<String, NDArray> e : params.entrySet()) {
			NDArray p = e.getValue();
			w.add(e.getKey(), half ? SafeTensors.Dtype.F16 : SafeTensors.Dtype.F32, p.getShape().getShape(),
				floats(p.toFloatArray(), half));
		}
		if (component.equals("text_encoder")) {
			long[] ids = new long[77];
			for (int i = 0; i < ids.length; i++) ids[i] = i;
			w.addLongs("text_model.embeddings.position_ids", new long[] { 1, 77 }, ids);
		}
		w.write(file);
	}

	static SafeTensorsWriter.DataSource floats(float[] v, boolean half) {
		return (OutputStream out) -> {
			ByteBuffer b = ByteBuffer.allocate(v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
			for (float x : v) {
				if (half) b.putShort(toHalf(x));
				else b.putFloat(x);
			}
			out.write(b.array());
		};
	}

	/** IEEE 754 binary16, rounding to nearest even; overflow to infinity, tiny values to subnormals or zero. */
	static short toHalf(float f) {
		int bits = Float.floatToRawIntBits(f);
		int sign = (bits >>> 16) & 0x8000;
		int exp = (bits >>> 23) & 0xff;
		int mant = bits & 0x7fffff;
		if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
		int e = exp - 127 + 15;
		if (e >= 0x1f) return (short) (sign | 0x7c00);
		if (e <= 0) {
			if (e < -10) return (short) sign;
			mant |= 0x800000;
			int shift = 14 - e;
			int half = mant >> shift;
			int rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
			if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
			return (short) (sign | half);
		}
		int half = (e << 10) | (mant >> 13);
		int rem = mant & 0x1fff;
		if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++;
		return (short) (sign | half);
	}

	/**
	 * Writes initial weights for the component's config: PyTorch's default init for convolutions and linear layers
	 * (uniform in +-1/sqrt(fan-in)), zero biases, unit norm scales, N(0, 0.02) token and N(0, 0.01) position
	 * embeddings (CLIP's init). Seeded per tensor name.
	 */
	static void writeInitial(Path folder, String component, long seed, Builder<?> builder) throws IOException {
		Json config = Json.read(folder.resolve(component).resolve("config.json"));
		try (NDManager m = NDManager.newBaseManager();
			WeightStore store = WeightStore.recordingShapes(component, m))
		{
			builder.build(store.scope(""), config);
			SafeTensorsWriter w = new SafeTensorsWriter();
			for (Map.Entry<String, long[]> e : store.recordedShapes().entrySet())
				w.add(e.getKey(), SafeTensors.Dtype.F32, e.getValue(), floats(init(e.getKey(), e.getValue(), seed), false));
			if (component.equals("text_encoder")) {
				long[] ids = new long[77];
				for (int i = 0; i < ids.length; i++) ids[i] = i;
				w.addLongs("text_model.embeddings.position_ids", new long[] { 1, 77 }, ids);
			}
			w.write(folder.resolve(component).resolve(component.equals("text_encoder") ? "model.safetensors" :
				"diffusion_pytorch_model.safetensors"));
		}
	}

	static float[] init(String name, long[] shape, long seed) {
		long n = 1, fanIn = 1;
		for (long d : shape) n *= d;
		for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
		float[] v = new float[Math.toIntExact(n)];
		SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
		if (name.endsWith("token_embedding.weight")) for (int i = 0; i < v.length; i++) v[i] = (float) (0.02 * gaussian(r));
		else if (name.endsWith("position_embedding.weight")) for (int i = 0; i < v.length; i++) v[i] = (float) (0.01 * gaussian(r));
		else if (shape.length == 1) {
			if (name.endsWith(".weight")) java.util.Arrays.fill(v, 1f); // norm scales; biases stay 0
		}
		else {
			double bound = 1 / Math.sqrt(fanIn);
			for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * bound);
		}
		return v;
	}

	private static double gaussian(SplittableRandom r) {
		double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
		return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
	}
}
