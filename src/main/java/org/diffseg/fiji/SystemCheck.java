package org.diffseg.fiji;

import java.util.ArrayList;
import java.util.List;

import org.diffseg.gpu.DeviceRequest;
import org.diffseg.gpu.SystemReport;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import ai.djl.engine.Engine;

/**
 * {@code Plugins > DiffSeg > System Check}: what DiffSeg computes on (Java, operating system, memory, the deep-learning
 * engine), so a user can see why a run is slow or refused before starting one. The report is the command's output:
 * Fiji shows it in a window, a macro finds it in the Log.
 */
@Plugin(type = Command.class, menuPath = "Plugins>DiffSeg>System Check", headless = true)
public class SystemCheck implements Command {

	@Parameter(type = ItemIO.OUTPUT, label = "DiffSeg System Check")
	private String report;

	@Override
	public void run() {
		report = report();
	}

	/** The report, one fact per line. */
	public static String report() {
		List<String> lines = new ArrayList<>();
		lines.add("DiffSeg system check");
		try {
			lines.add(SystemReport.collect(DeviceRequest.resolve(null, null, System::getenv)).toText());
		}
		catch (RuntimeException | LinkageError e) {
			lines.add("engine: " + engine());
			lines.add("device report failed: " + UserMessages.describe(e));
		}
		return String.join("\n", lines);
	}

	/** The PyTorch engine, or why it cannot start (missing natives, offline without a cached download...). */
	private static String engine() {
		try {
			Engine engine = Engine.getEngine("PyTorch");
			return engine.getEngineName() + " " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ")";
		}
		catch (RuntimeException | LinkageError e) {
			return "PyTorch not available: " + UserMessages.describe(e);
		}
	}
}
