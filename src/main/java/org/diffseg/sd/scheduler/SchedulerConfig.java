package org.diffseg.sd.scheduler;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A diffusers {@code scheduler/scheduler_config.json}. As in diffusers' {@code from_config}, one file configures
 * any scheduler class: a key that is absent takes the default of the class that is built, so the keys whose
 * default differs between classes ({@code set_alpha_to_one}, {@code clip_sample}, {@code timestep_spacing}) are
 * {@code null} here when absent and each scheduler resolves them. Keys this record does not model are kept in
 * {@link #otherKeys()} so that a scheduler can refuse options it does not implement instead of ignoring them.
 *
 * @param className        {@code _class_name}, e.g. {@code PNDMScheduler}; {@code null} if absent
 * @param numTrainTimesteps {@code num_train_timesteps} (default 1000)
 * @param betaStart        {@code beta_start} (default 0.0001)
 * @param betaEnd          {@code beta_end} (default 0.02)
 * @param betaSchedule     {@code beta_schedule}: {@code linear} (default) or {@code scaled_linear}
 * @param trainedBetas     {@code trained_betas}: explicit betas replacing the schedule, or {@code null}
 * @param stepsOffset      {@code steps_offset} (default 0; SD configs use 1)
 * @param setAlphaToOne    {@code set_alpha_to_one}, or {@code null}: DDIM default true, PNDM default false
 * @param skipPrkSteps     {@code skip_prk_steps}, or {@code null}: PNDM default false
 * @param clipSample       {@code clip_sample}, or {@code null}: DDIM default true
 * @param clipSampleRange  {@code clip_sample_range} (default 1.0)
 * @param predictionType   {@code prediction_type}: {@code epsilon} (default) or {@code v_prediction}
 * @param timestepSpacing  {@code timestep_spacing}, or {@code null}: DDIM and PNDM default {@code leading},
 *                         DPM-Solver {@code linspace}
 * @param otherKeys        every other non-private key of the file, unmodifiable
 */
public record SchedulerConfig(String className, int numTrainTimesteps, double betaStart, double betaEnd,
	String betaSchedule, float[] trainedBetas, int stepsOffset, Boolean setAlphaToOne, Boolean skipPrkSteps,
	Boolean clipSample, double clipSampleRange, String predictionType, String timestepSpacing,
	Map<String, JsonElement> otherKeys)
{
	/** Beta schedules implemented by {@link NoiseSchedule}. */
	public static final Set<String> BETA_SCHEDULES = Set.of("linear", "scaled_linear");
	/** Prediction types every scheduler here implements. */
	public static final Set<String> PREDICTION_TYPES = Set.of("epsilon", "v_prediction");

	/** Bound on num_train_timesteps, which sizes the noise schedule's tables (every SD model: 1000). */
	public static final int MAX_TRAIN_TIMESTEPS = 100_000;

	private static final Set<String> MODELLED_KEYS = Set.of("num_train_timesteps", "beta_start", "beta_end",
		"beta_schedule", "trained_betas", "steps_offset", "set_alpha_to_one", "skip_prk_steps", "clip_sample",
		"clip_sample_range", "prediction_type", "timestep_spacing");

	public SchedulerConfig {
		if (numTrainTimesteps < 1 || numTrainTimesteps > MAX_TRAIN_TIMESTEPS) throw new IllegalArgumentException(
			"num_train_timesteps is " + numTrainTimesteps + "; it must be from 1 to " + MAX_TRAIN_TIMESTEPS +
			" (Stable Diffusion uses 1000)");
		if (trainedBetas != null) {
			if (trainedBetas.length != numTrainTimesteps) throw new IllegalArgumentException("trained_betas has " +
				trainedBetas.length + " values but num_train_timesteps is " + numTrainTimesteps + "; they must agree");
			trainedBetas = trainedBetas.clone();
		}
		else if (!BETA_SCHEDULES.contains(betaSchedule)) throw new IllegalArgumentException("beta_schedule '" +
			betaSchedule + "' is not supported; DiffSeg implements " + String.join(" and ", BETA_SCHEDULES.stream()
				.sorted().toList()) + " (the schedules of Stable Diffusion 1.x and 2.x): use a checkpoint whose" +
			" scheduler_config.json names one of them");
		if (!PREDICTION_TYPES.contains(predictionType)) throw new IllegalArgumentException("prediction_type '" +
			predictionType + "' is not supported; DiffSeg implements epsilon (SD 1.x, SD 2.x base) and" +
			" v_prediction (SD 2.x 768 models)");
		if (stepsOffset < 0) throw new IllegalArgumentException("steps_offset is " + stepsOffset +
			"; it must not be negative");
		TimestepSpacing.of(timestepSpacing, TimestepSpacing.LEADING);
		otherKeys = Collections.unmodifiableMap(new LinkedHashMap<>(otherKeys));
	}

	/** The diffusers defaults for every key: what an empty {@code {}} config file gives. */
	public static SchedulerConfig defaults() {
		return new SchedulerConfig(null, 1000, 0.0001, 0.02, "linear", null, 0, null, null, null, 1.0, "epsilon",
			null, Map.of());
	}

	/** Reads and validates a {@code scheduler_config.json}; every error names the file and the offending key. */
	public static SchedulerConfig load(Path json) throws IOException {
		String text;
		try {
			text = Files.readString(json, StandardCharsets.UTF_8);
		}
		catch (NoSuchFileException e) {
			throw new IOException(json + " does not exist: give the model folder that contains" +
				" scheduler/scheduler_config.json (the diffusers layout)", e);
		}
		try {
			JsonElement root = JsonParser.parseString(text);
			if (!root.isJsonObject()) throw new IllegalArgumentException("the file is not a JSON object");
			return parse(root.getAsJsonObject());
		}
		catch (JsonParseException | IllegalArgumentException e) {
			throw new IOException(json + ": " + e.getMessage(), e);
		}
	}

	/** Builds a config from the parsed JSON object of a {@code scheduler_config.json}. */
	public static SchedulerConfig parse(JsonObject o) {
		SchedulerConfig d = defaults();
		Map<String, JsonElement> others = new LinkedHashMap<>();
		for (Map.Entry<String, JsonElement> e : o.entrySet())
			if (!e.getKey().startsWith("_") && !MODELLED_KEYS.contains(e.getKey())) others.put(e.getKey(), e.getValue());
		return new SchedulerConfig(string(o, "_class_name", d.className()),
			integer(o, "num_train_timesteps", d.numTrainTimesteps()), number(o, "beta_start", d.betaStart()),
			number(o, "beta_end", d.betaEnd()), string(o, "beta_schedule", d.betaSchedule()), floats(o, "trained_betas"),
			integer(o, "steps_offset", d.stepsOffset()), bool(o, "set_alpha_to_one"), bool(o, "skip_prk_steps"),
			bool(o, "clip_sample"), number(o, "clip_sample_range", d.clipSampleRange()),
			string(o, "prediction_type", d.predictionType()), string(o, "timestep_spacing", null), others);
	}

	/**
	 * The config as diffusers' {@code StableDiffusionPipeline} leaves it after loading: the pipeline forces
	 * {@code steps_offset} to 1 and turns {@code clip_sample} off where the loaded class has it on (old SD 1.x
	 * configs lack both keys). Every scheduler derived from the pipeline's scheduler inherits the change.
	 */
	public SchedulerConfig asInStableDiffusionPipeline() {
		boolean classClipsByDefault = "DDIMScheduler".equals(className) || "DDPMScheduler".equals(className);
		Boolean clip = Boolean.TRUE.equals(clipSample) || (clipSample == null && classClipsByDefault) ? Boolean.FALSE
			: clipSample;
		return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas, 1,
			setAlphaToOne, skipPrkSteps, clip, clipSampleRange, predictionType, timestepSpacing, otherKeys);
	}

	/**
	 * Refuses an option this code does not implement. A key that is absent or JSON {@code null} takes the
	 * diffusers default, which is always supported here.
	 *
	 * @param scheduler the scheduler's name, for the message
	 * @param key       a key of {@link #otherKeys()}
	 * @param supported the values that behave as the implemented one (Boolean, Number or String); none: the key
	 *                  must be absent or null
	 */
	public void requireOption(String scheduler, String key, Object... supported) {
		JsonElement value = otherKeys.get(key);
		if (value == null || value.isJsonNull()) return;
		for (Object s : supported) {
			JsonPrimitive wanted = s instanceof Boolean b ? new JsonPrimitive(b) : s instanceof Number n
				? new JsonPrimitive(n) : new JsonPrimitive(s.toString());
			if (!value.isJsonPrimitive()) break;
			Double number = asNumber(value.getAsJsonPrimitive());
			if (wanted.isNumber() ? number != null && number == wanted.getAsDouble() : value.equals(wanted)) return;
		}
		String allowed = supported.length == 0 ? "null" : Arrays.stream(supported).map(s -> s instanceof String
			? "\"" + s + "\"" : String.valueOf(s)).collect(Collectors.joining(" or "));
		throw new IllegalArgumentException("scheduler_config.json sets \"" + key + "\": " + value + ", which DiffSeg's " +
			scheduler + " does not implement (it supports only " + allowed + "); remove the key or change it");
	}

	/** Trained betas are an array: compare contents, not identity. */
	@Override
	public boolean equals(Object other) {
		return other instanceof SchedulerConfig c && numTrainTimesteps == c.numTrainTimesteps && betaStart ==
			c.betaStart && betaEnd == c.betaEnd && stepsOffset == c.stepsOffset && clipSampleRange ==
			c.clipSampleRange && Objects.equals(className, c.className) && Objects.equals(betaSchedule,
				c.betaSchedule) && Arrays.equals(trainedBetas, c.trainedBetas) && Objects.equals(
					setAlphaToOne, c.setAlphaToOne) && Objects.equals(skipPrkSteps, c.skipPrkSteps) &&
			Objects.equals(clipSample, c.clipSample) && Objects.equals(predictionType, c.predictionType) &&
			Objects.equals(timestepSpacing, c.timestepSpacing) && otherKeys.equals(c.otherKeys);
	}

	@Override
	public int hashCode() {
		return Objects.hash(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, Arrays.hashCode(
			trainedBetas), stepsOffset, setAlphaToOne, skipPrkSteps, clipSample, clipSampleRange, predictionType,
			timestepSpacing, otherKeys);
	}

	@Override
	public float[] trainedBetas() {
		return trainedBetas == null ? null : trainedBetas.clone();
	}

	/** A JSON number, or Python's non-finite spellings that Gson reads as strings; otherwise null. */
	private static Double asNumber(JsonPrimitive p) {
		if (p.isNumber()) return p.getAsDouble();
		if (p.isString() && Set.of("Infinity", "-Infinity", "NaN").contains(p.getAsString()))
			return Double.parseDouble(p.getAsString());
		return null;
	}

	private static JsonElement value(JsonObject o, String key) {
		JsonElement e = o.get(key);
		return e == null || e.isJsonNull() ? null : e;
	}

	private static IllegalArgumentException wrongType(String key, JsonElement e, String expected) {
		return new IllegalArgumentException("\"" + key + "\" must be " + expected + ", found " + e);
	}

	private static String string(JsonObject o, String key, String fallback) {
		JsonElement e = value(o, key);
		if (e == null) return fallback;
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw wrongType(key, e, "a string");
		return e.getAsString();
	}

	private static double number(JsonObject o, String key, double fallback) {
		JsonElement e = value(o, key);
		if (e == null) return fallback;
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw wrongType(key, e, "a number");
		return e.getAsDouble();
	}

	private static int integer(JsonObject o, String key, int fallback) {
		JsonElement e = value(o, key);
		if (e == null) return fallback;
		double v = number(o, key, fallback);
		if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) throw wrongType(key, e, "an integer");
		return (int) v;
	}

	private static Boolean bool(JsonObject o, String key) {
		JsonElement e = value(o, key);
		if (e == null) return null;
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw wrongType(key, e, "true or false");
		return e.getAsBoolean();
	}

	private static float[] floats(JsonObject o, String key) {
		JsonElement e = value(o, key);
		if (e == null) return null;
		if (!e.isJsonArray()) throw wrongType(key, e, "a list of numbers");
		JsonArray a = e.getAsJsonArray();
		float[] out = new float[a.size()];
		for (int i = 0; i < out.length; i++) {
			JsonElement x = a.get(i);
			if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) throw wrongType(key, e, "a list of numbers");
			out[i] = x.getAsFloat();
		}
		return out;
	}
}
