package org.diffseg.sd;

import ai.djl.ndarray.NDArray;

/**
 * A loss, gradient or output that is NaN or infinite: the run stops here instead of writing NaN results. The message
 * names the method, the iteration (or step) and the stage where the value was found, and what to try; front-ends show
 * it as it is (an {@link IllegalStateException}, like the other errors users can act on).
 */
public class NonFiniteException extends IllegalStateException {
	/** The method that stopped, e.g. "Peekaboo". */
	public final String method;
	/** Where the value was found, e.g. "score distillation gradient". */
	public final String stage;
	/** 1-based iteration or step, 0 when not known (yet). */
	public final int iteration;
	/** Iterations or steps in the run, 0 when not known. */
	public final int of;
	/** What to try. */
	public final String hint;

	public NonFiniteException(String method, String stage, int iteration, int of, String hint) {
		super(message(method, stage, iteration, of, hint));
		this.method = method;
		this.stage = stage;
		this.iteration = iteration;
		this.of = of;
		this.hint = hint;
	}

	/** A stage's failure before the caller knows the iteration; {@link #at} completes it. */
	public NonFiniteException(String method, String stage, String hint) {
		this(method, stage, 0, 0, hint);
	}

	/** This failure of {@code method} at iteration {@code iteration} of {@code of} (1-based). */
	public NonFiniteException at(String method, int iteration, int of) {
		NonFiniteException e = new NonFiniteException(method, stage, iteration, of, hint);
		e.setStackTrace(getStackTrace());
		return e;
	}

	private static String message(String method, String stage, int iteration, int of, String hint) {
		String where = iteration <= 0 ? "" : " at iteration " + iteration + (of > 0 ? " of " + of : "");
		return method + " stopped" + where + ": the " + stage + " is not finite (NaN or infinite), so no result was " +
			"written. " + hint;
	}

	/** Whether every element of {@code x} is finite; one reduction (a NaN or an infinity survives max|x|). */
	public static boolean isFinite(NDArray x) {
		if (x.getShape().size() == 0) return true;
		try (NDArray a = x.abs(); NDArray m = a.max(); NDArray f = m.toType(ai.djl.ndarray.types.DataType.FLOAT32, true)) {
			return Float.isFinite(f.getFloat());
		}
	}

	/** Throws unless every element of {@code x} is finite. */
	public static void check(NDArray x, String method, String stage, String hint) {
		if (!isFinite(x)) throw new NonFiniteException(method, stage, hint);
	}

	/** Whether every value is finite. */
	public static boolean isFinite(float[] values) {
		for (float v : values) if (!Float.isFinite(v)) return false;
		return true;
	}
}
