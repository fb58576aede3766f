package org.diffseg.fiji;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import org.diffseg.gpu.DeviceChoice;
import org.diffseg.ovdiff.CategoryFilter;
import org.diffseg.sd.ClipTokenizer;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.task.ModelSource;
import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * The device and weight type a command runs on, from its {@code device} and {@code dtype} parameters. {@code auto}
 * leaves the choice to {@link DeviceChoice}: the environment variable DIFFSEG_DEVICE when set (e.g. gpu:1), else the
 * GPU with the most free memory, else the CPU.
 *
 * @param name the device as the model service keys it ("cpu", "gpu:0")
 * @param dtypeName the weight type as the model service keys it ("float32")
 */
public record RunDevice(Device device, String name, DataType dtype, String dtypeName, String reason) {

	/** The device choices of the commands' dropdowns. */
	public static final String AUTO = "auto", CPU = "cpu", GPU = "gpu";

	/** The help of every command's {@code device} dropdown. */
	static final String DEVICE_HELP = "auto: the environment variable DIFFSEG_DEVICE when set, else the GPU with the " +
		"most free memory, else the CPU.";

	/** The weight types of the commands' dropdowns; float32 is the default and the only one the CPU runs well. */
	public static final String FLOAT32 = "float32", FLOAT16 = "float16", BFLOAT16 = "bfloat16";

	/** @throws IllegalArgumentException when a GPU was asked for and none can be used, or bfloat16 on the CPU */
	public static RunDevice choose(String device, String dtype) {
		String asked = device == null ? AUTO : device.strip().toLowerCase(Locale.ROOT);
		DeviceChoice choice = DeviceChoice.choose(asked.equals(AUTO) ? null : asked, null);
		String type = dtype == null ? FLOAT32 : dtype.strip().toLowerCase(Locale.ROOT);
		DataType dataType = switch (type) {
			case FLOAT32 -> DataType.FLOAT32;
			case FLOAT16 -> DataType.FLOAT16;
			case BFLOAT16 -> DataType.BFLOAT16;
			default -> throw new IllegalArgumentException("dtype=" + dtype + ": choose float32, float16 or bfloat16.");
		};
		if (dataType == DataType.BFLOAT16 && !choice.device().isGpu()) throw new IllegalArgumentException("dtype=" +
			"bfloat16 runs on a GPU only, and this run uses the CPU (" + choice.reason() + "): choose float32.");
		return new RunDevice(choice.device(), choice.deviceName(), dataType, type, choice.reason());
	}

	/**
	 * The models of a run on this device and weight type, loaded once by the model service and reused by every later
	 * run. Hold the device's {@link RunLease} while using them.
	 */
	public ModelSource models(DiffSegModelService models) {
		return new ModelSource() {
			@Override
			public StableDiffusion stableDiffusion(Path folder) throws IOException {
				return RunDevice.this.stableDiffusion(models, folder);
			}

			@Override
			public ClipModel clip(Path folder) throws IOException {
				return models.get(folder, name, dtypeName, ClipModel.class, () -> ClipModel.load(folder, device, dtype));
			}

			@Override
			public ViTModel dino(Path folder) throws IOException {
				return models.get(folder, name, dtypeName, ViTModel.class, () -> ViTModel.load(folder, device, dtype));
			}

			@Override
			public CategoryFilter categoryFilter(Path clipFolder) throws IOException {
				// kept by the service beside the model: a batch of images encodes each class prompt once
				ClipModel model = clip(clipFolder);
				return models.get(clipFolder, name, dtypeName, CategoryFilter.class,
					() -> new CategoryFilter(model, ClipTokenizer.load(clipFolder)));
			}
		};
	}

	/**
	 * The Stable Diffusion model in {@code folder} on this device: loaded once by the model service and reused by
	 * every later run. Hold the device's {@link RunLease} while using it.
	 */
	public StableDiffusion stableDiffusion(DiffSegModelService models, Path folder) throws IOException {
		return models.get(folder, name, dtypeName, StableDiffusion.class, () -> StableDiffusion.load(folder, device, dtype));
	}
}
