package org.diffseg.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.util.List;

import org.diffseg.run.DiffSegException;
import org.junit.jupiter.api.Test;

/** Which planes and channels a use case gets: the same rule for the command line and Fiji. */
class SourceImageTest {

	/** A 16-bit hyperstack: 2 channels, 3 slices, 2 frames; each plane's first pixel says which plane it is. */
	private static ImagePlus hyperstack() {
		ImagePlus imp = IJ.createHyperStack("h", 8, 6, 2, 3, 2, 16);
		for (int t = 1; t <= 2; t++) for (int z = 1; z <= 3; z++) for (int c = 1; c <= 2; c++) {
			imp.setPositionWithoutUpdate(c, z, t);
			imp.getProcessor().set(0, 0, 1000 * t + 100 * z + 10 * c);
			imp.getProcessor().set(1, 0, 5000);
		}
		return imp;
	}

	@Test
	void everyPlaneByDefaultInImageJOrder() {
		SourceImage s = SourceImage.of(hyperstack()).withChannels(new int[] { 1 });
		assertEquals(List.of(new SourceImage.Plane(0, 0), new SourceImage.Plane(1, 0), new SourceImage.Plane(2, 0),
			new SourceImage.Plane(0, 1), new SourceImage.Plane(1, 1), new SourceImage.Plane(2, 1)), s.planes());
		assertEquals(3, s.resultSlices());
		assertEquals(2, s.resultFrames());
		assertEquals(6, s.rgbPlanes().size());
		assertTrue(s.describe(4).startsWith("plane 5/6 (slice 2, frame 2)"), s.describe(4));
	}

	@Test
	void aChosenSliceOrFrame() {
		SourceImage s = SourceImage.of(hyperstack()).withChannels(new int[] { 0 });
		assertEquals(List.of(new SourceImage.Plane(1, 0), new SourceImage.Plane(1, 1)), s.withPlane(1, -1).planes());
		SourceImage one = s.withPlane(2, 1);
		assertEquals(List.of(new SourceImage.Plane(2, 1)), one.planes());
		assertEquals(1, one.resultSlices());
		assertEquals("", one.describe(0));
		DiffSegException outside = assertThrows(DiffSegException.class, () -> s.withPlane(3, 0));
		assertEquals(DiffSegException.Kind.SETTING, outside.kind());
		assertEquals("slice", outside.detail(DiffSegException.SETTING));
	}

	@Test
	void theChosenChannelIsTheOneRead() {
		SourceImage s = SourceImage.of(hyperstack()).withPlane(1, 1);
		// two channels: there is no obvious choice
		assertEquals("channels", assertThrows(DiffSegException.class, s::rgbPlanes).detail(DiffSegException.SETTING));
		float[] first = s.withChannels(new int[] { 0 }).rgbPlanes().get(0).data();
		float[] second = s.withChannels(new int[] { 1 }).rgbPlanes().get(0).data();
		assertTrue(second[0] > first[0], "channel 2's value (2220) is above channel 1's (2210)");
		assertArrayEquals(new int[] { 1 }, s.withChannels(new int[] { 1 }).channels());
	}
}
