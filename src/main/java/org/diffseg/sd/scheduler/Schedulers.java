package org.diffseg.sd.scheduler;

import java.util.List;
import java.util.Locale;

/** Builds a sampler from a checkpoint's scheduler config, as diffusers' {@code XScheduler.from_config} does. */
public final class Schedulers {
	/** DDIM, η = 0. */
	public static final String DDIM = "ddim";
	/** DPM-Solver++ multistep, order 2: the OVDiff pipeline default. */
	public static final String DPM_SOLVER_PP = "dpm++";
	/** PNDM's PLMS sampler, the scheduler SD 1.x checkpoints ship with. */
	public static final String PNDM = "pndm";
	/** Every kind {@link #create} accepts. */
	public static final List<String> KINDS = List.of(DDIM, DPM_SOLVER_PP, PNDM);

	private Schedulers() {
	}

	/**
	 * A new sampler of the given kind ({@code ddim}, {@code dpm++} or {@code pndm}, case-insensitive) on the
	 * noise schedule of {@code config}; keys absent from the config take the defaults of that kind's diffusers
	 * class.
	 */
	public static Scheduler create(SchedulerConfig config, String kind) {
		return switch (kind.toLowerCase(Locale.ROOT)) {
			case DDIM -> new DdimScheduler(config);
			case DPM_SOLVER_PP -> new DpmSolverMultistepScheduler(config);
			case PNDM -> new PndmScheduler(config);
			default -> throw new IllegalArgumentException("unknown scheduler '" + kind + "'; choose one of " +
				String.join(", ", KINDS));
		};
	}
}
