package org.diffseg.cli;

import java.io.PrintWriter;
import java.nio.file.Path;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.diffseg.sd.StableDiffusion;
import org.diffseg.train.ModelExport;
import org.diffseg.train.ModelProbe;
import org.diffseg.train.Recipe;
import org.diffseg.train.SynthWorld;
import org.diffseg.train.Trainer;
import org.diffseg.train.TrainingLog;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code diffseg train}: trains a small Stable Diffusion on the synthetic shapes world, resumably. */
@Command(name = "train", mixinStandardHelpOptions = true,
	description = "Train a small Stable Diffusion from scratch on the synthetic shapes world (VAE, then UNet + CLIP " +
		"text encoder) and write it as a diffusers model folder with float16 weights, a loss curve and a model card. " +
		"Checkpoints go to the work folder; running the same command again resumes from the last one.")
public final class TrainCommand extends Subcommand {

	@Option(names = "--out", required = true, description = "Model folder to write when training ends.")
	Path out;

	@Option(names = "--work", description = "Folder for checkpoints (default: <out>.training next to --out).")
	Path work;

	@Option(names = "--recipe", defaultValue = "shapes", description = "Network sizes and schedule: shapes (default) or " +
		"smoke (tiny, for tests).")
	String recipe;

	@Option(names = "--seed", defaultValue = "1", description = "Seed of the data and the initial weights (default 1).")
	long seed;

	@Option(names = "--vae-steps", description = "VAE steps (default: the recipe's).")
	Integer vaeSteps;

	@Option(names = "--unet-steps", description = "UNet steps (default: the recipe's).")
	Integer unetSteps;

	@Option(names = "--checkpoint-every", description = "Steps between checkpoints (default: the recipe's).")
	Integer checkpointEvery;

	@Option(names = "--export-only", description = "Write the model folder from the work folder's last checkpoint " +
		"without training further (for a run that was stopped early).")
	boolean exportOnly;

	@Option(names = "--no-probe", description = "Skip the sample sheet and the cross-attention check of the model card.")
	boolean noProbe;

	@Override
	public Integer call() throws Exception {
		Recipe r;
		try {
			r = Recipe.preset(recipe);
		}
		catch (IllegalArgumentException e) {
			throw new UserError(e.getMessage() + ".");
		}
		r = r.withSteps(vaeSteps != null ? vaeSteps : r.vaeSteps(), unetSteps != null ? unetSteps : r.unetSteps());
		if (checkpointEvery != null) r = r.withCheckpointEvery(checkpointEvery);
		Path w = work != null ? work : out.toAbsolutePath().resolveSibling(out.getFileName() + ".training");
		PrintWriter o = out(), err = err();
		ProgressBar bar = new ProgressBar(err);
		SynthWorld world = new SynthWorld();
		Trainer trainer = new Trainer(r, world, seed, w, ProgressListener.NONE, bar, CancelToken.none());
		Trainer.Result result;
		if (exportOnly) {
			Trainer.State state = trainer.lastState();
			if (state == null) throw new UserError(w + " holds no checkpoint: train first.");
			if (!state.stage.equals("unet") && !state.stage.equals("done")) throw new UserError("the checkpoint in " + w +
				" is still in the VAE stage: there is no UNet to export yet.");
			result = new Trainer.Result(trainer.checkpoint(), state, true);
		}
		else {
			result = trainer.run();
			bar.done();
			if (!result.finished()) {
				o.println("stopped; run the same command again to resume from " + result.model());
				return DiffSegCli.EXIT_FAILURE;
			}
		}
		String reproduce = reproduceCommand(result.state().recipe, result.state().seed, out);
		ModelExport.export(result.model(), out, result.state(), world, reproduce, "");
		try (StableDiffusion sd = StableDiffusion.load(out)) {
			if (!noProbe) {
				err.println("drawing samples and checking cross-attention ...");
				ModelExport.export(result.model(), out, result.state(), world, reproduce, ModelProbe.report(sd, out));
			}
			o.printf("wrote %s (%.1f MB of weights held as float32; loads as a Stable Diffusion)%n", out,
				sd.weightBytes() / 1e6);
		}
		return DiffSegCli.EXIT_OK;
	}

	/** The command line that reproduces a run, for the model card. */
	static String reproduceCommand(Recipe r, long seed, Path out) {
		return "diffseg train --recipe " + r.name() + " --seed " + seed + " --vae-steps " + r.vaeSteps() +
			" --unet-steps " + r.unetSteps() + " --out models/" + out.getFileName();
	}

	/**
	 * One status line redrawn in place from the training log: stage, step, loss, time per step and ETA; the log's notes
	 * as lines of their own. (The log, not the progress listener, since the line shows each step's loss and rate.)
	 */
	static final class ProgressBar implements TrainingLog {
		private final PrintWriter err;
		private long last;
		private boolean open;

		ProgressBar(PrintWriter err) {
			this.err = err;
		}

		@Override
		public void record(TrainingLog.Entry entry) {
			if (entry instanceof TrainingLog.Step s) step(s.stage(), s.step(), s.steps(), s.loss(), s.secondsPerStep());
			else if (entry instanceof TrainingLog.Note n) message(n.line());
		}

		private void step(String stage, int step, int steps, float loss, double secondsPerStep) {
			long now = System.nanoTime();
			if (step < steps && now - last < 1_000_000_000L) return;
			last = now;
			int width = 30, filled = (int) ((long) width * step / Math.max(1, steps));
			long eta = Math.round((steps - step) * secondsPerStep);
			err.printf("\r%-4s [%s%s] %d/%d loss %.4f %.2f s/step ETA %d:%02d:%02d ", stage, "#".repeat(filled),
				" ".repeat(width - filled), step, steps, loss, secondsPerStep, eta / 3600, eta / 60 % 60, eta % 60);
			err.flush();
			open = true;
		}

		private void message(String line) {
			done();
			err.println(line);
			err.flush();
		}

		void done() {
			if (open) err.println();
			open = false;
			err.flush();
		}
	}
}
