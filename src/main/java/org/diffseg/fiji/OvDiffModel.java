package org.diffseg.fiji;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.model.ModelFolderCheck;
import org.diffseg.sd.StableDiffusion;
import org.scijava.prefs.PrefService;

import ai.djl.ndarray.types.DataType;

/**
 * The Stable Diffusion model and device of an OVDiff command: the folder given, else the one the OVDiff commands last
 * ran with (PrefService), else the model shipped with DiffSeg ({@value #SHIPPED}, in the working directory or beside
 * DiffSeg's jar); loaded once by {@link DiffSegModelService} and reused by the next run.
 */
final class OvDiffModel {

	/** The small model shipped with DiffSeg, relative to the working directory or to a parent of the jar. */
	static final String SHIPPED = "models/tiny-sd-a";

	/** The device dropdown's choices; auto leaves the choice to {@link DeviceChoice}. */
	static final String AUTO = "auto", CPU = "cpu", GPU = "gpu";

	private static final String KEY = "model";

	private OvDiffModel() {}

	/** The dialog's default folder: the last one used when it still exists, else the shipped one, else null. */
	static File defaultFolder(PrefService prefs) {
		String last = prefs == null ? null : prefs.get(OvDiffModel.class, KEY);
		if (last != null && !last.isBlank()) {
			try {
				if (Files.isDirectory(Path.of(last))) return new File(last);
			}
			catch (InvalidPathException e) {
				// a stale preference: fall back to the shipped model
			}
		}
		Path shipped = shipped();
		return shipped == null ? null : shipped.toFile();
	}

	private static Path shipped() {
		Path here = Path.of(SHIPPED);
		if (Files.isDirectory(here)) return here.toAbsolutePath();
		try {
			Path jar = Path.of(OvDiffModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			for (Path dir = jar.getParent(); dir != null; dir = dir.getParent())
				if (Files.isDirectory(dir.resolve(SHIPPED))) return dir.resolve(SHIPPED);
		}
		catch (URISyntaxException | RuntimeException e) {
			// no readable location: the shipped model is not installed
		}
		return null;
	}

	/**
	 * The folder of this run, checked to be a diffusers Stable Diffusion folder, and remembered for the next run.
	 * @throws IllegalArgumentException naming what is wrong and the fix
	 */
	static Path folder(File given, PrefService prefs) {
		File chosen = given != null && !given.getPath().isBlank() ? given : defaultFolder(prefs);
		if (chosen == null) throw new IllegalArgumentException("no model folder chosen: give model=[folder of a Stable " +
			"Diffusion model in diffusers layout].");
		ModelFolderCheck.Report report = ModelFolderCheck.check(chosen.toPath());
		if (!report.ok()) throw new IllegalArgumentException(report.summary() + " Choose another folder (model=[folder]).");
		Path folder = chosen.toPath().toAbsolutePath().normalize();
		if (prefs != null) prefs.put(OvDiffModel.class, KEY, folder.toString());
		return folder;
	}

	/** The device of a dropdown value. @throws IllegalArgumentException when a GPU is asked for and none is usable */
	static DeviceChoice device(String device) {
		String asked = device == null ? AUTO : device.strip().toLowerCase(Locale.ROOT);
		return DeviceChoice.choose(asked.equals(AUTO) ? null : asked, null);
	}

	/** The model in {@code folder} on this device, loaded once by the model service (float32 weights). */
	static StableDiffusion load(DiffSegModelService models, Path folder, DeviceChoice device) throws IOException {
		return models.get(folder, device.deviceName(), "float32", StableDiffusion.class,
			() -> StableDiffusion.load(folder, device.device(), DataType.FLOAT32));
	}
}
