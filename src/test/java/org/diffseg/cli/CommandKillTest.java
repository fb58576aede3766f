package org.diffseg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.diffseg.io.OutputFolder;
import org.diffseg.ovdiff.PrototypeBank;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ij.IJ;

/**
 * kill -9 at random moments of real {@code diffseg peekaboo}, {@code ovdiff} and {@code prototypes} runs (a child JVM
 * that runs the command again and again on the tiny model), then a rerun: the output folder holds one whole result
 * set, its manifest naming exactly it, and the bank only intact files, every class a finished run built among them,
 * and no temporary file once the next run has been.
 */
class CommandKillTest {
	private static final String DONE = "KILL-TEST-RUN-DONE";
	/** Kill moments per command; each costs a child JVM. */
	private static final int KILLS = 2;

	@TempDir
	Path tmp;

	/** The child: runs {@code diffseg args} until killed, "{i}" in an argument replaced by the run's number. */
	public static void main(String[] args) {
		for (int i = Integer.parseInt(args[0]); ; i++) {
			String[] run = new String[args.length - 1];
			for (int a = 1; a < args.length; a++) run[a - 1] = args[a].replace("{i}", String.valueOf(i));
			StringWriter err = new StringWriter();
			int code = DiffSegCli.run(run, new PrintWriter(new StringWriter()), new PrintWriter(err));
			System.out.println(DONE + " " + i + " " + code + " " + err.toString().replace('\n', ' '));
			System.out.flush();
		}
	}

	@Test
	void peekabooAndOvDiffOutputFoldersSurviveKills() throws Exception {
		Random random = new Random(16);
		Path out = tmp.resolve("peekaboo");
		killAndCheck(random, out, null, "peekaboo", "--model", "models/tiny-sd-a", "--image", "models/samples/chelsea.png",
			"--prompt", "a cat", "--iterations", "1", "--size", "16", "--out", out.toString());

		Path bank = tmp.resolve("bank"), image = OvDiffCommandTest.picture(tmp, 24, 24), seg = tmp.resolve("ovdiff");
		assertEquals(0, OvDiffCommandTest.run(new PrototypesCommand(), OvDiffCommandTest.concat(OvDiffCommandTest.TINY,
			"--bank", bank.toString(), "--class", "cat")).code());
		killAndCheck(random, seg, null, "ovdiff", "--bank", bank.toString(), "--image", image.toString(), "--class",
			"cat", "--out", seg.toString());
	}

	@Test
	void aPrototypeBankSurvivesKills() throws Exception {
		Path bank = tmp.resolve("bank");
		List<String> args = new ArrayList<>(List.of("prototypes"));
		args.addAll(List.of(OvDiffCommandTest.TINY));
		args.addAll(List.of("--bank", bank.toString(), "--class", "thing {i}"));
		killAndCheck(new Random(17), null, bank, args.toArray(String[]::new));
	}

	/**
	 * Starts the child KILLS times, each killed at a random moment after its first finished run; after each kill the
	 * folder is recovered as the next run would and checked, then the command is run once more here and checked.
	 */
	private void killAndCheck(Random random, Path out, Path bank, String... command) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Set<Integer> finished = new TreeSet<>();
		int next = 0;
		for (int k = 0; k < KILLS; k++) {
			List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED",
				"-Djava.awt.headless=true", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
				CommandKillTest.class.getName(), String.valueOf(next)));
			cmd.addAll(List.of(command));
			ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
			pb.environment().put("OMP_NUM_THREADS", "1");
			long start = System.nanoTime();
			Process child = pb.start();
			// the child's reports, read on their own thread: destroying a process closes its streams
			java.util.concurrent.BlockingQueue<String> reports = new java.util.concurrent.LinkedBlockingQueue<>();
			Thread reader = new Thread(() -> {
				try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
					StandardCharsets.UTF_8))) {
					for (String line; (line = lines.readLine()) != null;) if (line.startsWith(DONE)) reports.add(line);
				}
				catch (java.io.IOException closed) {
					// killed
				}
			});
			reader.start();
			try {
				String first = reports.poll(10, TimeUnit.MINUTES); // seconds on an idle machine
				assertNotNull(first, "the child's first run did not end");
				record(first, finished);
				// the kill falls anywhere in the runs that follow: model loading, the work, writing, publishing
				long firstRunMillis = (System.nanoTime() - start) / 1_000_000;
				Thread.sleep(random.nextInt((int) Math.max(50, firstRunMillis / 2)));
			}
			finally {
				child.destroyForcibly(); // SIGKILL
				assertTrue(child.waitFor(1, TimeUnit.MINUTES));
				reader.join(TimeUnit.MINUTES.toMillis(1));
			}
			// runs that reported before the kill are finished
			for (String line : reports) record(line, finished);
			next = finished.stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
			next++; // the killed run's number is not reused: its class may or may not be in the bank
			if (out != null) {
				OutputFolder.recover(out); // what the next run does first
				assertOneWholeResultSet(out, "after kill " + k);
			}
			if (bank != null) assertIntactBank(bank, finished, "after kill " + k);
		}
		if (bank != null) {
			// a leftover as a kill inside a bank file's write leaves it: the next run removes it
			Path leftover = Files.writeString(bank.resolve("thing.ovdiff.safetensors.tmp-" + UUID.randomUUID()), "x");
			String[] rerun = command.clone();
			for (int a = 0; a < rerun.length; a++) rerun[a] = rerun[a].replace("{i}", String.valueOf(next));
			StringWriter err = new StringWriter();
			assertEquals(0, DiffSegCli.run(rerun, new PrintWriter(new StringWriter()), new PrintWriter(err)), err.toString());
			finished.add(next);
			assertFalse(Files.exists(leftover), "the killed run's temporary file is still there");
			assertIntactBank(bank, finished, "after the rerun");
		}
		else {
			StringWriter err = new StringWriter();
			assertEquals(0, DiffSegCli.run(command, new PrintWriter(new StringWriter()), new PrintWriter(err)), err.toString());
			assertOneWholeResultSet(out, "after the rerun");
		}
	}

	private static void record(String report, Set<Integer> finished) {
		String[] words = report.split(" ", 4);
		assertEquals("0", words[2], "the child's run failed: " + report);
		finished.add(Integer.parseInt(words[1]));
	}

	/** Nothing of a half-done run; the manifest names exactly the files there, each whole. */
	private static void assertOneWholeResultSet(Path out, String when) throws Exception {
		Set<String> visible = new TreeSet<>();
		try (Stream<Path> list = Files.list(out)) {
			for (Path p : (Iterable<Path>) list::iterator) {
				String name = p.getFileName().toString();
				assertFalse(name.startsWith(OutputFolder.PARTIAL) || name.startsWith(OutputFolder.OLD) ||
					name.equals(OutputFolder.NEXT) || OutputFolder.TEMP.matcher(name).matches(), when + ": " + name);
				if (!name.startsWith(".")) visible.add(name);
			}
		}
		assertEquals(OutputFolder.manifest(out.resolve(OutputFolder.MANIFEST)), visible, when);
		assertTrue(visible.contains("result.json"), when + ": " + visible);
		com.google.gson.JsonParser.parseString(Files.readString(out.resolve("result.json")));
		for (String name : visible)
			if (name.endsWith(".tif")) assertNotNull(IJ.openImage(out.resolve(name).toString()), when + ": " + name);
	}

	/** No damaged bank file, and every class of a finished run in the bank. */
	private static void assertIntactBank(Path bank, Set<Integer> finished, String when) throws Exception {
		PrototypeBank any = new PrototypeBank(bank, "any", Map.of());
		assertEquals(List.of(), any.damaged(), when);
		Set<String> classes = new TreeSet<>();
		for (PrototypeBank.Summary s : any.list()) classes.add(s.className());
		for (int i : finished) assertTrue(classes.contains("thing " + i), when + ": run " + i + " finished, but " +
			"the bank holds " + classes);
	}
}
