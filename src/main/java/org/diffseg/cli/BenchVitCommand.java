package org.diffseg.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.diffseg.vit.ClipModel;
import org.diffseg.vit.ViTModel;
import org.diffseg.vit.VitBench;
import org.diffseg.vit.VitReferenceCheck;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code diffseg bench vit}: ms per OVDiff window of a CLIP or DINO feature extractor (dense keys), as JSON. */
@Command(name = "vit", mixinStandardHelpOptions = true,
	description = "Benchmark a CLIP or DINO model: median ms per square window forward up to OVDiff's key layer; prints JSON.")
public final class BenchVitCommand extends DeviceCommand {

	@Option(names = "--model", required = true, description = "CLIP or DINO folder (Hugging Face layout).")
	Path model;

	@Option(names = "--size", defaultValue = "448", description = "Window size in pixels (default 448).")
	int size;

	@Mixin
	RepeatOption repeat = new RepeatOption(5);

	@Override
	public Integer call() throws Exception {
		if (!VitReferenceCheck.handles(model)) throw new UserError(model + " is not a CLIP or DINO folder (its " +
			"config.json must say model_type clip or vit).");
		if (repeat.count < 1 || size < 8) throw new UserError("--repeat must be at least 1 and --size at least 8.");
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("model", model.toString());
		json.put("size", size);
		json.put("repeat", repeat.count);
		json.put("dtype", device.dtype().toString());
		String type = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(model.resolve("config.json")))
			.getAsJsonObject().get("model_type").getAsString();
		long before = Memory.residentBytes();
		if (type.equals("clip")) {
			try (ClipModel clip = ClipModel.load(model, device.device(), device.dtype())) {
				json.put("kind", "clip");
				json.put("ms_per_window", VitBench.msPerWindow(clip.vision, size, repeat.count));
			}
		}
		else {
			try (ViTModel vit = ViTModel.load(model, device.device(), device.dtype())) {
				json.put("kind", "dino");
				json.put("ms_per_window", VitBench.msPerWindow(vit.vision, size, repeat.count));
			}
		}
		json.put("rss_before_load_bytes", before);
		json.put("peak_rss_bytes", Memory.peakResidentBytes());
		return printJson(json);
	}
}
