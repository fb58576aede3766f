package org.diffseg.gpu;

import java.util.Locale;
import java.util.function.Function;

/**
 * Which device the user asked for, and where the request came from. Text forms: {@code auto} (the GPU with the most
 * free memory when one is usable, else the CPU), {@code cpu}, {@code gpu} (the GPU with the most free memory; fails
 * when none is usable) and {@code gpu:N} (CUDA device N, 0-based); case-insensitive, {@code cuda} is accepted for
 * {@code gpu}.
 * <p>
 * Precedence, highest first: the device setting a front-end was given (the command line's option, a dialog's field),
 * the environment variable {@value #ENV}, the stored preference, then {@code auto}. Blank values count as absent.
 * <p>
 * The sources are neutral names ({@link #SETTING}, {@link #ENV}, {@link #PREFERENCE}, {@link #DEFAULT}); a front-end
 * that wants its own word for the setting in messages and reports (the command line's option name) passes it as the
 * source: this class never names a front-end's flag or menu.
 *
 * @param index the CUDA device for {@link Kind#GPU_INDEX}, otherwise -1
 * @param source where the request came from, for messages (e.g. {@value #SETTING}, "DIFFSEG_DEVICE", "default", or
 * a front-end's own word for the setting)
 */
public record DeviceRequest(Kind kind, int index, String source) {

	public enum Kind { AUTO, CPU, GPU, GPU_INDEX }

	/** The environment variable that overrides the stored preference. */
	public static final String ENV = "DIFFSEG_DEVICE";

	/** Sources: the device setting given to a front-end (its neutral name), the stored preference, the default. */
	public static final String SETTING = "device", PREFERENCE = "preference", DEFAULT = "default";

	public DeviceRequest {
		if ((kind == Kind.GPU_INDEX) != (index >= 0))
			throw new IllegalArgumentException("A device index goes with gpu:N only (kind " + kind + ", index " + index + ").");
	}

	/** Parses a device text; the message of a bad one names its source and the accepted forms. */
	public static DeviceRequest parse(String text, String source) {
		String t = text.trim().toLowerCase(Locale.ROOT);
		switch (t) {
			case "auto":
				return new DeviceRequest(Kind.AUTO, -1, source);
			case "cpu":
				return new DeviceRequest(Kind.CPU, -1, source);
			case "gpu", "cuda":
				return new DeviceRequest(Kind.GPU, -1, source);
			default:
		}
		if (t.matches("(gpu|cuda):\\d{1,4}"))
			return new DeviceRequest(Kind.GPU_INDEX, Integer.parseInt(t.substring(t.indexOf(':') + 1)), source);
		throw new IllegalArgumentException("'" + text + "' (from " + describe(source) + ") is not a device: use auto, " +
			"cpu, gpu or gpu:N (N = 0, 1, ... the CUDA device number).");
	}

	/**
	 * The request that wins: {@code given} (the device setting, may be null), else the environment variable
	 * {@value #ENV} read through {@code environment} (e.g. {@code System::getenv}), else {@code preference} (may be
	 * null), else auto.
	 */
	public static DeviceRequest resolve(String given, String preference, Function<String, String> environment) {
		return resolve(given, SETTING, preference, environment);
	}

	/**
	 * As {@link #resolve(String, String, Function)}, with the front-end's own word for the device setting
	 * ({@code givenAs}, e.g. its option's name) as the source of a {@code given} request.
	 */
	public static DeviceRequest resolve(String given, String givenAs, String preference,
		Function<String, String> environment)
	{
		if (present(given)) return parse(given, givenAs);
		String env = environment.apply(ENV);
		if (present(env)) return parse(env, ENV);
		if (present(preference)) return parse(preference, PREFERENCE);
		return new DeviceRequest(Kind.AUTO, -1, DEFAULT);
	}

	private static boolean present(String s) {
		return s != null && !s.isBlank();
	}

	/** "the device setting", "the environment variable DIFFSEG_DEVICE", ... for messages; a front-end's word as is. */
	static String describe(String source) {
		return switch (source) {
			case SETTING -> "the device setting";
			case ENV -> "the environment variable " + ENV;
			case PREFERENCE -> "the device preference";
			default -> source;
		};
	}

	/** The text form: auto, cpu, gpu or gpu:N. */
	@Override
	public String toString() {
		return kind == Kind.GPU_INDEX ? "gpu:" + index : kind.name().toLowerCase(Locale.ROOT);
	}
}
