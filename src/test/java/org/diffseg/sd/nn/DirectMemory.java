package org.diffseg.sd.nn;

/** For tests of arrays made from Java data: direct buffers that the collector frees while native code may hold them. */
public final class DirectMemory {
	private DirectMemory() {}

	/** Frees unreachable direct buffers and reuses their memory, as a long run would. */
	public static void churn() {
		for (int i = 0; i < 3; i++) {
			System.gc();
			java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(1 << 20);
			for (int k = 0; k < b.capacity(); k += 4) b.putFloat(k, 1e6f);
		}
	}
}
