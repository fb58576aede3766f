package org.diffseg.fiji;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.diffseg.model.ModelFolderCheck;
import org.scijava.prefs.PrefService;

/**
 * Which Stable Diffusion folder DiffSeg's commands use when a run gives none: the one remembered by
 * {@code Model Manager...} (one preference shared by every command), else the model shipped with DiffSeg
 * ({@value #SHIPPED}, found in the working directory or beside DiffSeg's jar, e.g. {@code Fiji.app/models/}). A
 * command's {@code model=[folder]} key overrides it for that run and does not change it.
 */
public final class ModelPreference {

	/** The preference key, under this class. */
	static final String KEY = "stable_diffusion_folder";

	/** The small model shipped with DiffSeg, relative to the working directory or to a parent of the jar. */
	public static final String SHIPPED = "models/shapes-sd";

	/** What every command's model folder field says of leaving it empty (see {@link #defaultFolder}). */
	static final String EMPTY_HELP = "Empty: the one chosen in Model Manager, else the model shipped with DiffSeg.";

	private ModelPreference() {}

	/** The remembered folder, or null when none is remembered. */
	public static Path remembered(PrefService prefs) {
		String value = prefs == null ? null : prefs.get(ModelPreference.class, KEY);
		if (value == null || value.isBlank()) return null;
		try {
			return Path.of(value);
		}
		catch (InvalidPathException e) {
			return null;
		}
	}

	/** Remembers {@code folder} (absolute) as every command's default model. */
	public static void remember(PrefService prefs, Path folder) {
		prefs.put(ModelPreference.class, KEY, folder.toAbsolutePath().normalize().toString());
	}

	/** Forgets the remembered folder. */
	public static void forget(PrefService prefs) {
		prefs.remove(ModelPreference.class, KEY);
	}

	/** The default folder: the remembered one when it still exists, else the shipped one, else null. */
	public static Path defaultFolder(PrefService prefs) {
		Path remembered = remembered(prefs);
		if (remembered != null && Files.isDirectory(remembered)) return remembered;
		return shipped();
	}

	/** The shipped model folder, or null when it is not installed. */
	public static Path shipped() {
		Path here = Path.of(SHIPPED);
		if (Files.isDirectory(here)) return here.toAbsolutePath();
		try {
			Path jar = Path.of(ModelPreference.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			for (Path dir = jar.getParent(); dir != null; dir = dir.getParent())
				if (Files.isDirectory(dir.resolve(SHIPPED))) return dir.resolve(SHIPPED);
		}
		catch (URISyntaxException | RuntimeException e) {
			// no readable location: the shipped model is not installed
		}
		return null;
	}

	/**
	 * The folder a run uses: {@code given}, else the default; checked to be a diffusers Stable Diffusion folder.
	 *
	 * @param key the command's model key, named in messages
	 * @throws IllegalArgumentException when there is no folder or it is not a model, naming what is wrong and the fix
	 */
	public static Path resolve(File given, PrefService prefs, String key) {
		Path folder = given != null && !given.getPath().isBlank() ? given.toPath() : defaultFolder(prefs);
		if (folder == null) throw new IllegalArgumentException("no model folder chosen: choose one with Plugins > " +
			"DiffSeg > Model Manager, or give " + key + "=[folder of a Stable Diffusion model in diffusers layout].");
		ModelFolderCheck.Report report = ModelFolderCheck.check(folder);
		if (!report.ok()) throw new IllegalArgumentException(report.summary() + " Choose another folder (" + key +
			"=[folder]), or download a model with Plugins > DiffSeg > Model Manager.");
		return folder.toAbsolutePath().normalize();
	}

	/**
	 * An optional model folder field (CLIP, DINO): null when empty, else an existing folder (absolute).
	 * @param key the macro key, named in the message
	 * @param example a Hugging Face model that fits
	 */
	static Path optionalFolder(File given, String key, String example) {
		if (given == null || given.getPath().isBlank()) return null;
		Path p = given.toPath().toAbsolutePath().normalize();
		if (!java.nio.file.Files.isDirectory(p)) throw new IllegalArgumentException(key + "=[" + given + "] is not a " +
			"folder: give the folder of a Hugging Face model (e.g. " + example + ", from Plugins > DiffSeg > Model " +
			"Manager), or leave " + key + " empty.");
		return p;
	}
}
