package org.diffseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.event.KeyEvent;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.diffseg.sd.Progress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.app.StatusService;
import org.scijava.app.event.StatusEvent;
import org.scijava.command.ContextCommand;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.task.Task;
import org.scijava.task.TaskService;
import org.scijava.task.event.TaskEvent;

import ij.IJ;

class FijiProgressTest {

	private Context context;
	private StatusService status;
	private TaskService tasks;
	// events arrive on SciJava's event threads
	private final List<String> statuses = new CopyOnWriteArrayList<>();
	private final List<Task> taskList = new CopyOnWriteArrayList<>();

	/** A command as Fiji cancels it. */
	static final class Job extends ContextCommand {
		@Override
		public void run() {}
	}

	@BeforeEach
	void start() {
		context = new Context(StatusService.class, TaskService.class, EventService.class);
		status = context.service(StatusService.class);
		tasks = context.service(TaskService.class);
		context.service(EventService.class).subscribe(this);
	}

	@AfterEach
	void stop() {
		IJ.resetEscape();
		context.dispose();
	}

	@EventHandler
	public void onStatus(StatusEvent e) {
		statuses.add(e.getProgressValue() + "/" + e.getProgressMaximum() + " " + e.getStatusMessage());
	}

	@EventHandler
	public void onTask(TaskEvent e) {
		if (!taskList.contains(e.getTask())) taskList.add(e.getTask());
	}

	private static void await(BooleanSupplier condition) {
		try {
			for (int i = 0; i < 10_000 && !condition.getAsBoolean(); i++) Thread.sleep(1);
		}
		catch (InterruptedException e) {
			throw new IllegalStateException(e);
		}
	}

	private Task task() {
		await(() -> !taskList.isEmpty());
		return taskList.get(0);
	}

	@Test
	void stepsShowInTheStatusBarAndTheTaskList() {
		try (FijiProgress progress = FijiProgress.start(status, tasks, "Peekaboo", null)) {
			Progress iterations = progress.stage("iteration");
			assertTrue(iterations.onStep(1, 300));
			iterations.step(2, 300);
			assertTrue(progress.onStep(3, 4));
			Task task = task();
			assertEquals("Peekaboo", task.getName());
			assertEquals(4, task.getProgressMaximum());
			assertEquals(3, task.getProgressValue());
			assertEquals("Peekaboo 3/4", task.getStatusMessage());
		}
		await(() -> statuses.size() >= 4);
		assertEquals(Set.of("1/300 Peekaboo: iteration 1/300", "2/300 Peekaboo: iteration 2/300", "3/4 Peekaboo 3/4",
			"-1/-1 "), Set.copyOf(statuses), "closing clears the status");
		assertTrue(task().isDone());
	}

	@Test
	void cancellingTheCommandStopsTheEngine() {
		Job job = new Job();
		try (FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff", job)) {
			Progress classes = progress.stage("class");
			classes.step(1, 3);
			job.cancel("user cancelled");
			assertFalse(classes.onStep(2, 3));
			assertThrows(CancellationException.class, () -> classes.step(2, 3));
		}
	}

	@Test
	void cancellingTheTaskCancelsTheCommand() {
		Job job = new Job();
		try (FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff", job)) {
			task().cancel("cancel button");
			assertFalse(progress.onStep(1, 2));
			assertTrue(progress.isCanceled());
		}
	}

	@Test
	void interruptionAndEscapeStopTheEngine() {
		try (FijiProgress progress = FijiProgress.start(null, null, "Peekaboo", null)) {
			assertTrue(progress.onStep(1, 2));
			Thread.currentThread().interrupt();
			assertFalse(progress.onStep(2, 2), "headless: interrupting the thread cancels");
			assertTrue(Thread.interrupted(), "the interrupt is left for the engine to see");
			IJ.setKeyDown(KeyEvent.VK_ESCAPE);
			assertFalse(progress.onStep(2, 2), "Esc in ImageJ cancels");
		}
		IJ.setKeyDown(KeyEvent.VK_ESCAPE);
		try (FijiProgress progress = FijiProgress.start(null, null, "Peekaboo", null)) {
			assertTrue(progress.onStep(1, 2), "an Esc pressed before the run is not meant for it");
		}
	}
}
