package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.diffseg.ovdiff.ClassNames;
import org.diffseg.ovdiff.FeatureExtractor;
import org.diffseg.ovdiff.MaskSplitter;
import org.diffseg.ovdiff.MultiOtsuSplitter;
import org.diffseg.ovdiff.OvDiff;
import org.diffseg.ovdiff.PrototypeBank;
import org.diffseg.ovdiff.StableDiffusionFeatures;
import org.diffseg.ovdiff.SupportSet;
import org.diffseg.ovdiff.ThresholdSplitter;
import org.diffseg.sd.StableDiffusion;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffseg prototypes}: build or extend an OVDiff prototype bank, class by class. */
@Command(name = "prototypes", mixinStandardHelpOptions = true,
	description = "Build or extend an OVDiff prototype bank: sample support images per class with Stable Diffusion and " +
		"store their foreground/background prototypes. Classes already in the bank (for this model and settings) are kept.")
public final class PrototypesCommand implements Callable<Integer> {

	@Option(names = "--model", description = "Stable Diffusion folder (default: the shipped tiny model).")
	Path model;

	@Option(names = "--bank", required = true, description = "Prototype bank folder (created if missing).")
	Path bank;

	@Option(names = "--class", required = true, description = "A class name; repeat for several classes.")
	List<String> classes;

	@Option(names = "--n", defaultValue = "32", description = "Support images per class (default 32).")
	int n;

	@Option(names = "--batch", defaultValue = "1", description = "Support images sampled together (default 1; more is " +
		"faster on a GPU and needs more memory; the images do not change).")
	int batch;

	@Option(names = "--seed", defaultValue = "42", description = "Seed of every class: image i starts from seed + i " +
		"(default 42).")
	long seed;

	@Option(names = "--steps", defaultValue = "30", description = "DPM-Solver++ steps per image (default 30).")
	int steps;

	@Option(names = "--size", defaultValue = "0", description = "Support image size in pixels, a multiple of 8 (default: " +
		"the model's native size, 512 for SD 1.5).")
	int size;

	@Option(names = "--parts", defaultValue = "32", description = "K-means part prototypes per region (default 32).")
	int parts;

	@Option(names = "--splitter", defaultValue = "threshold", description = "Foreground/background split of the " +
		"attribution maps: threshold (fg > 0.5, bg < 0.2; default) or otsu (multi-level Otsu).")
	String splitter;

	@Option(names = "--stuff", description = "Treat this class as stuff (no background prototypes); repeatable.")
	List<String> stuff = new ArrayList<>();

	@Option(names = "--thing", description = "Treat this class as a thing, whatever the built-in table says; repeatable.")
	List<String> things = new ArrayList<>();

	@Mixin
	VitOptions vit;

	@Mixin
	DeviceOptions device;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		OvDiff.Settings settings = settings(n, seed, steps, size, parts, batch, splitter, stuff, things);
		PrintWriter err = spec.commandLine().getErr(), out = spec.commandLine().getOut();
		Path modelDir = model != null ? model : DefaultModel.folder();
		try (StableDiffusion sd = StableDiffusion.load(modelDir, device.device(), device.dtype());
			VitOptions.Loaded vits = vit.open(sd.device, device.dtype()))
		{
			FeatureExtractor.Ensemble features;
			PrototypeBank b;
			try {
				List<FeatureExtractor> members = new java.util.ArrayList<>();
				members.add(new StableDiffusionFeatures(sd, StableDiffusionFeatures.DEFAULT_TIMESTEP,
					settings.sampling().size()));
				members.addAll(vits.extractors());
				features = new FeatureExtractor.Ensemble(members);
				b = OvDiff.openBank(bank, sd, settings);
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			List<String> built;
			try {
				built = new OvDiff().buildVocabulary(sd, features, b, classes, settings, (c, stage, done, total) -> {
					err.printf("%s: %s %d/%d%n", c, stage == OvDiff.Stage.SAMPLING ? "support image" : "prototypes of image",
						done, total);
					err.flush();
				});
			}
			catch (IllegalArgumentException e) {
				throw new UserError(e.getMessage());
			}
			for (String c : ClassNames.distinct(classes)) out.println((built.contains(c) ? "built " : "kept  ") + c);
			int count = OvDiff.vocabulary(b, features).size();
			out.println("bank " + bank.toAbsolutePath() + " (" + count + (count == 1 ? " class" : " classes") + " for " +
				"this model and settings)");
		}
		return DiffSegCli.EXIT_OK;
	}

	/** The OVDiff settings of the command-line options shared by prototypes, ovdiff and bench ovdiff. */
	static OvDiff.Settings settings(int n, long seed, int steps, int size, int parts, int batch, String splitter,
		List<String> stuff, List<String> things)
	{
		try {
			return withStuff(OvDiff.Settings.defaults().withSampling(SupportSet.Sampling.defaults().withImages(n)
				.withSeed(seed).withSteps(steps).withSize(size)).withParts(parts).withBatchSize(batch)
				.withSplitter(splitter(splitter)), stuff, things);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
	}

	/** The user's --stuff and --thing verdicts. */
	static OvDiff.Settings withStuff(OvDiff.Settings s, List<String> stuff, List<String> things) {
		try {
			for (String c : stuff) s = s.withStuff(c, true);
			for (String c : things) {
				if (stuff.stream().anyMatch(x -> ClassNames.key(x).equals(ClassNames.key(c)))) throw new UserError("'" +
					c + "' is given both as --stuff and as --thing: keep one.");
				s = s.withStuff(c, false);
			}
			return s;
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage());
		}
	}

	static MaskSplitter splitter(String name) {
		return switch (name.toLowerCase(java.util.Locale.ROOT)) {
			case "threshold" -> new ThresholdSplitter();
			case "otsu", "multiotsu" -> new MultiOtsuSplitter();
			default -> throw new UserError("unknown --splitter '" + name + "': use threshold or otsu.");
		};
	}
}
