package org.diffseg.fiji;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.sd.StableDiffusion;

import ai.djl.ndarray.types.DataType;

/**
 * The device and the loaded Stable Diffusion model of an OVDiff command (the folder comes from
 * {@link ModelPreference}, shared with the Peekaboo commands and Model Manager); loaded once by
 * {@link DiffSegModelService} and reused by the next run.
 */
final class OvDiffModel {

	/** The device dropdown's choices; auto leaves the choice to {@link DeviceChoice}. */
	static final String AUTO = "auto", CPU = "cpu", GPU = "gpu";

	private OvDiffModel() {}

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
