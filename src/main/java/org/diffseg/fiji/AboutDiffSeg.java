package org.diffseg.fiji;

import ij.IJ;
import ij.plugin.PlugIn;

/**
 * {@code Plugins > DiffSeg > About DiffSeg...}, the one entry ImageJ 1.x itself installs (from the jar's
 * {@code plugins.config}). DiffSeg's commands are SciJava commands, which plain ImageJ 1.x neither lists nor runs; a user
 * who put the jar into plain ImageJ finds this entry, and it says in one line that Fiji is needed and why. Inside Fiji the
 * same entry tells what DiffSeg is and where its commands are, so no command is listed twice.
 *
 * <p>Only ImageJ 1.x classes may be referenced here: in plain ImageJ the SciJava classes are absent, and a reference
 * would fail with a {@link NoClassDefFoundError} before the message could be shown.
 */
public class AboutDiffSeg implements PlugIn {

	static final String FIJI_NEEDED = "DiffSeg needs Fiji: its commands are SciJava commands and its networks need the " +
		"PyTorch and DJL libraries that Fiji's DiffSeg update site installs, and plain ImageJ 1.x has neither. Install Fiji " +
		"(https://fiji.sc), then add the DiffSeg update site (Help > Update... > Manage update sites).";

	@Override
	public void run(String arg) {
		if (fijiPresent(AboutDiffSeg.class.getClassLoader())) IJ.showMessage("About DiffSeg", about());
		else IJ.error("DiffSeg", FIJI_NEEDED);
	}

	/** Whether SciJava's command framework, which runs DiffSeg's commands (in Fiji, or in {@code diffseg macro}), is here. */
	static boolean fijiPresent(ClassLoader loader) {
		try {
			Class.forName("org.scijava.command.CommandService", false, loader);
			return true;
		}
		catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

	/** What DiffSeg is and where its commands are, for a Fiji user. */
	static String about() {
		String version = AboutDiffSeg.class.getPackage().getImplementationVersion();
		return "DiffSeg" + (version == null ? "" : " " + version) + ": segmentation from a text prompt with Stable " +
			"Diffusion, without training.\n\n" +
			"Commands, under Plugins > DiffSeg:\n" +
			"  Peekaboo Segment...: a mask per prompt (score-distillation alpha optimisation)\n" +
			"  Peekaboo Generate RGBA...: images with transparency from prompts\n" +
			"  OVDiff Build Vocabulary...: prototypes per class name, from generated support images\n" +
			"  OVDiff Segment...: a label image of the vocabulary's classes\n" +
			"  Model Manager...: choose, download and check models\n" +
			"  System Check: what DiffSeg computes on\n\n" +
			"Every command runs from macros with run(\"...\", \"key=value ...\"), also in headless Fiji.";
	}
}
