package org.diffseg.synth;

/**
 * One object of a synthetic {@link Scene}: its prompt ("a red triangle"), colour word, shape word, and the mask of
 * its visible pixels ({@code width*height}, row-major; later objects drawn over it are not part of it).
 */
public record SceneObject(String prompt, String colour, String shape, boolean[] mask) {

	/** Number of pixels in the mask. */
	public int area() {
		int n = 0;
		for (boolean b : mask) if (b) n++;
		return n;
	}
}
