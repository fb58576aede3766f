package org.diffseg.fiji;

import java.util.List;

import org.scijava.Context;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.event.EventSubscriber;
import org.scijava.task.event.TaskEvent;

/**
 * Fiji's cancel button, pressed by a test: while open, cancels every running task of one name as soon as it reports,
 * as the task's cancel button in Fiji's task list does.
 */
final class TaskCanceller implements AutoCloseable {
	private final EventService events;
	private final String taskName;
	/** The event service holds its subscribers weakly: they live as long as this canceller. */
	private final List<EventSubscriber<?>> subscribers;

	TaskCanceller(Context context, String taskName) {
		this.events = context.service(EventService.class);
		this.taskName = taskName;
		this.subscribers = events.subscribe(this);
	}

	@EventHandler
	public void onTask(TaskEvent e) {
		if (e.getTask().getName().equals(taskName) && !e.getTask().isDone() && !e.getTask().isCanceled())
			e.getTask().cancel("test cancel");
	}

	@Override
	public void close() {
		events.unsubscribe(subscribers);
		java.lang.ref.Reference.reachabilityFence(this);
	}
}
