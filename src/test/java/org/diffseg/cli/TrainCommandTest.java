package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.diffseg.train.TrainingLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

	@Test
	void unknownRecipeIsAUserError(@TempDir Path dir) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "train", "--recipe", "huge", "--out", dir.resolve("m").toString() },
			new PrintWriter(out), new PrintWriter(err));
		assertEquals(DiffSegCli.EXIT_FAILURE, code);
		assertTrue(err.toString().contains("unknown recipe 'huge'"), err.toString());
	}

	@Test
	void exportOnlyWithoutACheckpointSaysSo(@TempDir Path dir) {
		StringWriter out = new StringWriter(), err = new StringWriter();
		int code = DiffSegCli.run(new String[] { "train", "--export-only", "--out", dir.resolve("m").toString() },
			new PrintWriter(out), new PrintWriter(err));
		assertEquals(DiffSegCli.EXIT_FAILURE, code);
		assertTrue(err.toString().contains("holds no checkpoint"), err.toString());
	}

	@Test
	void progressBarShowsStepLossAndEta() {
		StringWriter err = new StringWriter();
		TrainCommand.ProgressBar bar = new TrainCommand.ProgressBar(new PrintWriter(err));
		bar.record(new TrainingLog.Step("unet", 10, 100, 0.1234f, 2.0));
		String line = err.toString();
		assertTrue(line.contains("10/100") && line.contains("loss 0.1234") && line.contains("ETA 0:03:00"), line);
		bar.record(new TrainingLog.Note("checkpoint: unet step 10"));
		assertTrue(err.toString().endsWith(String.format("%ncheckpoint: unet step 10%n")), err.toString());
	}
}
