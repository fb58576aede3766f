package org.diffseg.gpu;

import java.util.Locale;
import java.util.function.Function;

/**
 * Which device the user asked for, and where the request came from. Text forms: {@code auto} (the GPU with the most
 * free memory when one is usable, else the CPU), {@code cpu}, {@code gpu} (the GPU with the most free memory; fails
 * when none is usable) and {@code gpu:N} (CUDA device N, 0-based); case-insensitive, {@code cuda} is accepted for
 * {@code gpu}.
 * <p>
 * Precedence, highest first: the command-line flag {@code --device}, the environment variable {@value #ENV}, the
 * stored preference, then {@code auto}. Blank values count as absent.
 *
 * @param index the CUDA device for {@link Kind#GPU_INDEX}, otherwise -1
 * @param source where the request came from, for messages (e.g. "--device", "DIFFSEG_DEVICE", "default")
 */
public record DeviceRequest(Kind kind, int index, String source) {

	public enum Kind { AUTO, CPU, GPU, GPU_INDEX }

	/** The environment variable that overrides the stored preference. */
	public static final String ENV = "DIFFSEG_DEVICE";

	public static final String FLAG = "--device", PREFERENCE = "preference", DEFAULT = "default";

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
	 * The request that wins: {@code flag} (may be null), else the environment variable {@value #ENV} read through
	 * {@code environment} (e.g. {@code System::getenv}), else {@code preference} (may be null), else auto.
	 */
	public static DeviceRequest resolve(String flag, String preference, Function<String, String> environment) {
		if (present(flag)) return parse(flag, FLAG);
		String env = environment.apply(ENV);
		if (present(env)) return parse(env, ENV);
		if (present(preference)) return parse(preference, PREFERENCE);
		return new DeviceRequest(Kind.AUTO, -1, DEFAULT);
	}

	private static boolean present(String s) {
		return s != null && !s.isBlank();
	}

	/** "the flag --device", "the environment variable DIFFSEG_DEVICE", ... for messages. */
	static String describe(String source) {
		return switch (source) {
			case FLAG -> "the option " + FLAG;
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
