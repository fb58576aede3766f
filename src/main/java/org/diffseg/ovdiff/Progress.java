package org.diffseg.ovdiff;

/** Told how far a long OVDiff step has got (support images, windows); may be null where a method takes one. */
@FunctionalInterface
public interface Progress {
	void update(int done, int total);
}
