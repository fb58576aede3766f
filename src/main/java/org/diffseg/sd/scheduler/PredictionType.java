package org.diffseg.sd.scheduler;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a UNet predicts, as a checkpoint's {@code scheduler_config.json} says ({@code prediction_type}), and how every
 * consumer of a UNet output turns it into the noise ε or the clean sample x0. With x_t = α x0 + σ ε (α = sqrt(ᾱ_t),
 * σ = sqrt(1 - ᾱ_t) in the DDPM form; DPM-Solver's α_t and σ_t in its own):
 * <ul>
 * <li>{@code epsilon} (SD 1.x, SD 2.x base): the output is ε; x0 = (x_t - σ ε) / α.</li>
 * <li>{@code v_prediction} (SD 2.x 768 models): v = α ε - σ x0, so ε = α v + σ x_t and x0 = α x_t - σ v.</li>
 * <li>{@code sample}: the output is x0; ε = (x_t - α x0) / σ.</li>
 * </ul>
 * The operations and their order are those of diffusers' DDIM {@code step} and DPM-Solver's
 * {@code convert_model_output} (v0.31), so the float32 results agree with the reference.
 */
public enum PredictionType {
	EPSILON("epsilon"), V_PREDICTION("v_prediction"), SAMPLE("sample");

	/** The config spelling. */
	public final String configName;

	PredictionType(String configName) {
		this.configName = configName;
	}

	/** The type a config's {@code prediction_type} names. */
	public static PredictionType of(String configName) {
		for (PredictionType p : values())
			if (p.configName.equals(configName)) return p;
		throw new IllegalArgumentException("prediction_type '" + configName + "' is not supported; DiffSeg implements " +
			String.join(", ", Arrays.stream(values()).map(p -> p.configName).toList()) + " (epsilon: SD 1.x and SD 2.x " +
			"base, v_prediction: SD 2.x 768 models)");
	}

	/**
	 * The noise ε of a model output at the sample x_t.
	 *
	 * @param alpha α_t (sqrt(ᾱ_t) in the DDPM form)
	 * @param sigma σ_t (sqrt(1 - ᾱ_t) in the DDPM form)
	 * @return for {@code epsilon} the output itself (do not close it twice), otherwise a new array
	 */
	public NDArray epsilon(NDArray output, NDArray sample, float alpha, float sigma) {
		return switch (this) {
			case EPSILON -> output;
			case V_PREDICTION -> output.mul(alpha).add(sample.mul(sigma));
			case SAMPLE -> sample.sub(output.mul(alpha)).div(sigma);
		};
	}

	/**
	 * The clean-sample prediction x0 of a model output at the sample x_t (α, σ as in {@link #epsilon}).
	 *
	 * @return for {@code sample} the output itself, otherwise a new array
	 */
	public NDArray originalSample(NDArray output, NDArray sample, float alpha, float sigma) {
		return switch (this) {
			case EPSILON -> sample.sub(output.mul(sigma)).div(alpha);
			case V_PREDICTION -> sample.mul(alpha).sub(output.mul(sigma));
			case SAMPLE -> output;
		};
	}

	/**
	 * {@link #epsilon} with one α and σ per batch row (arrays broadcastable to the output, e.g. [B, 1, 1, 1]), for a
	 * batch whose rows are at different timesteps (score distillation). The operations are those of the scalar form.
	 */
	public NDArray epsilon(NDArray output, NDArray sample, NDArray alpha, NDArray sigma) {
		return switch (this) {
			case EPSILON -> output;
			case V_PREDICTION -> output.mul(alpha).add(sample.mul(sigma));
			case SAMPLE -> sample.sub(output.mul(alpha)).div(sigma);
		};
	}

	@Override
	public String toString() {
		return configName.toLowerCase(Locale.ROOT);
	}
}
