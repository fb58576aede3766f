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

import org.diffseg.run.CancelToken;
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
			progress.progress("iteration", 1, 300);
			progress.prefixed("plane 2/3, ").progress("iteration", 2, 300);
			progress.progress("class", 3, 4);
			assertFalse(progress.token().isCancelled());
			Task task = task();
			assertEquals("Peekaboo", task.getName());
			assertEquals(4, task.getProgressMaximum());
			assertEquals(3, task.getProgressValue());
			assertEquals("Peekaboo: class 3/4", task.getStatusMessage());
		}
		await(() -> statuses.size() >= 4);
		assertEquals(Set.of("1/300 Peekaboo: iteration 1/300", "2/300 Peekaboo: plane 2/3, iteration 2/300",
			"3/4 Peekaboo: class 3/4", "-1/-1 "), Set.copyOf(statuses), "closing clears the status");
		assertTrue(task().isDone());
	}

	@Test
	void cancellingTheCommandCancelsTheToken() {
		Job job = new Job();
		try (FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff", job)) {
			CancelToken token = progress.token();
			List<String> told = new CopyOnWriteArrayList<>();
			token.onCancel(() -> told.add(token.reason()));
			progress.progress("class", 1, 3);
			token.check();
			job.cancel("user cancelled");
			progress.progress("class", 2, 3);
			assertTrue(token.isCancelled());
			assertEquals("user cancelled", token.reason(), "the command's reason is kept");
			assertEquals(List.of("user cancelled"), told, "engines registered with onCancel are told once");
			assertEquals("user cancelled", assertThrows(CancellationException.class, token::check).getMessage());
		}
	}

	@Test
	void cancellingTheTaskCancelsTheCommandAndTheToken() {
		Job job = new Job();
		try (FijiProgress progress = FijiProgress.start(status, tasks, "OVDiff", job)) {
			task().cancel("cancel button");
			assertTrue(progress.token().isCancelled());
			assertTrue(progress.isCanceled());
			assertTrue(job.isCanceled());
			assertThrows(CancellationException.class, progress.token()::check);
		}
	}

	@Test
	void interruptionAndEscapeStopTheRun() {
		try (FijiProgress progress = FijiProgress.start(null, null, "Peekaboo", null)) {
			assertFalse(progress.token().isCancelled());
			Thread.currentThread().interrupt();
			assertTrue(progress.token().isCancelled(), "headless: interrupting the thread cancels");
			assertTrue(Thread.interrupted(), "the interrupt is left for the engine to see");
		}
		try (FijiProgress progress = FijiProgress.start(null, null, "Peekaboo", null)) {
			IJ.setKeyDown(KeyEvent.VK_ESCAPE);
			assertThrows(CancellationException.class, progress.token()::check, "Esc in ImageJ cancels");
		}
		IJ.setKeyDown(KeyEvent.VK_ESCAPE);
		try (FijiProgress progress = FijiProgress.start(null, null, "Peekaboo", null)) {
			progress.progress("iteration", 1, 2);
			assertFalse(progress.token().isCancelled(), "an Esc pressed before the run is not meant for it");
		}
	}
}
