package org.diffseg.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.diffseg.sd.ClipTextModel;
import org.diffseg.sd.nn.ConfigException;
import org.diffseg.sd.nn.ConfigLimits;
import org.diffseg.sd.nn.Json;
import org.diffseg.sd.nn.LinearLayer;
import org.diffseg.sd.nn.Scoped;
import org.diffseg.sd.nn.WeightStore;

/**
 * transformers' CLIPModel ({@code openai/clip-vit-base-patch16} layout): vision tower, text tower (the SD port's
 * {@link ClipTextModel}), bias-free {@code visual_projection} / {@code text_projection} into the joint space, and
 * the learned temperature {@code logit_scale}. Zero-shot classification = softmax over prompts of
 * exp(logit_scale) * cosine(image, text).
 */
public final class ClipModel implements AutoCloseable {

	/**
	 * Image-text scores: {@code cosine} and {@code logitsPerImage} [images, texts], {@code logitsPerText} its
	 * transpose, {@code probs} the softmax of logitsPerImage over the texts.
	 */
	public record Similarity(NDArray cosine, NDArray logitsPerImage, NDArray logitsPerText, NDArray probs) {}

	public final VisionTransformer vision;
	public final ClipTextModel text;
	public final ImagePreprocessor preprocessor;
	public final int projectionDim;
	private final LinearLayer visualProjection, textProjection;
	private final NDArray logitScale;
	private final NDManager manager;

	/** Builds the model on a store; {@code manager} owns the weights (null for a shape-recording store). */
	ClipModel(WeightStore store, Json config, ImagePreprocessor preprocessor, NDManager manager)
		throws ConfigException
	{
		this(store, Configs.of(config), preprocessor, manager);
	}

	/** The checked sizes of a CLIPModel config.json: read them all before allocating anything. */
	record Configs(VisionTransformer.Config vision, ClipTextModel.Config text, int projectionDim) {
		static Configs of(Json config) throws ConfigException {
			return new Configs(VisionTransformer.Config.clip(merged(config, "vision_config")),
				ClipTextModel.Config.from(merged(config, "text_config")),
				config.integer("projection_dim", 512, 1, ConfigLimits.MAX_CHANNELS));
		}
	}

	private ClipModel(WeightStore store, Configs configs, ImagePreprocessor preprocessor, NDManager manager) {
		this.manager = manager;
		this.preprocessor = preprocessor;
		VisionTransformer.Config vc = configs.vision();
		ClipTextModel.Config tc = configs.text();
		projectionDim = configs.projectionDim();
		vision = new VisionTransformer(store.scope("vision_model"), vc);
		text = new ClipTextModel(store.scope("text_model"), tc);
		WeightStore.Scope root = store.scope("");
		visualProjection = new LinearLayer(root.scope("visual_projection"), vc.hidden(), projectionDim, false);
		textProjection = new LinearLayer(root.scope("text_projection"), tc.hidden(), projectionDim, false);
		logitScale = root.get("logit_scale");
	}

	/** Loads the folder; a mismatch between config and weights ends in one error listing every problem. */
	public static ClipModel load(Path folder, Device device, DataType dtype) throws IOException {
		Json config = ModelFolder.config(folder);
		ModelFolder.requireType(config, "clip");
		Configs configs = Configs.of(config);
		ImagePreprocessor pre = ImagePreprocessor.read(folder.resolve("preprocessor_config.json"),
			ImagePreprocessor.Kind.CLIP);
		return ModelFolder.load(folder, "CLIPModel", device, dtype, (store, manager) -> new ClipModel(store, configs, pre,
			manager));
	}

	/**
	 * transformers' CLIPConfig: {@code text_config_dict} / {@code vision_config_dict}, when present, override the
	 * matching keys of {@code text_config} / {@code vision_config}; absent sections take the defaults.
	 */
	static Json merged(Json config, String key) throws ConfigException {
		JsonObject out = config.has(key) ? config.object(key).raw().deepCopy() : new JsonObject();
		if (config.has(key + "_dict")) for (Map.Entry<String, com.google.gson.JsonElement> e :
			config.object(key + "_dict").raw().entrySet()) out.add(e.getKey(), e.getValue().deepCopy());
		return Json.of(config.file(), config.path(key), out);
	}

	/** get_image_features: visual_projection(pooler_output), [B, projection_dim]; pixel values [B, 3, H, W]. */
	public NDArray imageEmbeds(NDArray pixelValues) {
		return Scoped.apply(pixelValues, x -> visualProjection.forward(vision.forward(x).pooled()));
	}

	/** get_text_features: text_projection(pooled end-of-text state), [B, projection_dim]; ids int64 [B, T]. */
	public NDArray textEmbeds(NDArray inputIds) {
		return Scoped.apply(inputIds, ids -> textProjection.forward(text.forward(ids, false).pooled()));
	}

	/** Each row divided by its L2 norm. */
	public static NDArray normalize(NDArray embeds) {
		return embeds.div(embeds.norm(new int[] { -1 }, true));
	}

	/** The stored (log) temperature, a scalar; exp of it multiplies the cosine similarities. */
	public NDArray logitScale() {
		return logitScale;
	}

	/** Scores of every image against every text, from unnormalised embeddings. */
	public Similarity similarity(NDArray imageEmbeds, NDArray textEmbeds) {
		NDManager m = imageEmbeds.getManager();
		NDArray img = normalize(imageEmbeds), txt = normalize(textEmbeds);
		NDArray cosine = img.matMul(txt.transpose());
		NDArray scale = logitScale.exp();
		scale.attach(m);
		NDArray perImage = cosine.mul(scale);
		img.close();
		txt.close();
		scale.close();
		return new Similarity(cosine, perImage, perImage.transpose(), perImage.softmax(-1));
	}

	@Override
	public void close() {
		manager.close();
		org.diffseg.sd.NativeMemory.release(); // the weights' memory back to the system
	}
}
