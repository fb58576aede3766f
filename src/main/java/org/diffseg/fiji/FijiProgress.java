package org.diffseg.fiji;

import org.diffseg.run.CancelToken;
import org.diffseg.run.ProgressListener;
import org.scijava.Cancelable;
import org.scijava.app.StatusService;
import org.scijava.task.Task;
import org.scijava.task.TaskService;

import ij.IJ;

/**
 * Connects a run's {@link ProgressListener} and {@link CancelToken} to Fiji: each step shows "title: stage i/N" with a
 * progress bar (StatusService, and ImageJ 1.x's own bars) and in Fiji's task list (TaskService, whose cancel button
 * stops the run), and the run's token is cancelled when the command is cancelled ({@link Cancelable}), the task is
 * cancelled, the user presses Esc in ImageJ, or the thread is interrupted (headless). Use one per command run:
 *
 * <pre>
 * try (FijiProgress progress = FijiProgress.start(status, tasks, "Peekaboo", this)) {
 * 	result = task.run(image, settings, progress, progress.token());
 * }
 * catch (CancellationException e) {
 * 	cancel("Cancelled."); // no outputs
 * }
 * </pre>
 */
public final class FijiProgress implements ProgressListener, AutoCloseable {

	private final StatusService status;
	private final Task task;
	private final String title;
	private final Cancelable command;
	private final CancelToken token = new CancelToken(this::isCanceled);

	private FijiProgress(StatusService status, Task task, String title, Cancelable command) {
		this.status = status;
		this.task = task;
		this.title = title;
		this.command = command;
	}

	/**
	 * Starts reporting for one run.
	 *
	 * @param status where progress is shown; may be null
	 * @param tasks where the run is listed with a cancel button; may be null
	 * @param title the run's name, e.g. "Peekaboo"
	 * @param command the running command, or null; its cancellation stops the run
	 */
	public static FijiProgress start(StatusService status, TaskService tasks, String title, Cancelable command) {
		IJ.resetEscape(); // an Esc pressed before this run is not meant for it
		Task task = tasks == null ? null : tasks.createTask(title);
		FijiProgress progress = new FijiProgress(status, task, title, command);
		if (task != null) {
			task.setCancelCallBack(() -> {
				if (command != null) command.cancel(task.getCancelReason());
				progress.token.cancel(task.getCancelReason());
			});
			task.start();
		}
		return progress;
	}

	/**
	 * The run's cancel token, passed down to the use case of {@code org.diffseg.task} and its engine: cancelled by the
	 * task list's button, the command's cancellation, Esc or an interrupt (polled at each of the run's checks).
	 */
	public CancelToken token() {
		return token;
	}

	/** Shows a step of the run: "title: stage i/N" in the status bar, ImageJ's bars and the task list. */
	@Override
	public void progress(String stage, int done, int total) {
		String message = title + ": " + stage + " " + done + "/" + total;
		if (status != null) status.showStatus(done, total, message);
		// ImageJ 1.x's own status and progress bars (the window users watch), which StatusService alone left still
		if (IJ.getInstance() != null) {
			IJ.showStatus(message);
			IJ.showProgress(done, total);
		}
		if (task != null) {
			task.setProgressMaximum(total);
			task.setProgressValue(done);
			task.setStatusMessage(message);
		}
		// keep the command's own reason when it was cancelled (the token's poll would only say "cancelled")
		if (isCanceled()) token.cancel(command != null && command.getCancelReason() != null ? command.getCancelReason() :
			"cancelled");
	}

	/** Whether the run should stop. */
	public boolean isCanceled() {
		return command != null && command.isCanceled() || task != null && task.isCanceled() ||
			Thread.currentThread().isInterrupted() || IJ.escapePressed();
	}

	/** Clears the status bar and ends the task. */
	@Override
	public void close() {
		if (status != null) status.clearStatus();
		if (IJ.getInstance() != null) {
			IJ.showProgress(1.0); // hides ImageJ's bar
			IJ.showStatus("");
		}
		if (task != null) task.finish();
	}
}
