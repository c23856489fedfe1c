package io.gpucloud.adapters.http.wire;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Work handed to one Undertow IO thread from other threads (upstream callbacks), batched. XNIO's
 * {@code WorkerThread.execute} takes a lock and wakes the selector for every task: with a chunk of each of
 * 500 relayed streams handed over one by one from the upstream client's threads, callers waited up to 35 ms
 * for that lock (JFR, {@code jdk.JavaMonitorEnter}). Here tasks queue without a lock, and one
 * {@code execute} carries every task that arrives before the IO thread gets to them. Tasks run in the order
 * they were added.
 */
public final class IoThreadMailbox implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(IoThreadMailbox.class);
    private static final Map<XnioIoThread, IoThreadMailbox> MAILBOXES = new ConcurrentHashMap<>();
    /** Tasks run per turn before the IO thread goes back to its sockets (the rest get another turn). */
    private static final int TASKS_PER_TURN = 4096;

    private final XnioIoThread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable turn = this::runTurn;

    private IoThreadMailbox(XnioIoThread thread) {
        this.thread = thread;
    }

    public static IoThreadMailbox of(XnioIoThread thread) {
        IoThreadMailbox mailbox = MAILBOXES.get(thread);
        return mailbox != null ? mailbox : MAILBOXES.computeIfAbsent(thread, IoThreadMailbox::new);
    }

    /** Drops the mailboxes of a stopped server's IO threads. */
    public static void forget(XnioWorker worker) {
        MAILBOXES.keySet().removeIf(thread -> thread.getWorker() == worker);
    }

    /**
     * Runs {@code task} on the IO thread, after the tasks added before it.
     *
     * @throws RejectedExecutionException when the IO thread is gone (the server stopped)
     */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    private void schedule() {
        try {
            thread.execute(turn);
        } catch (RejectedExecutionException stopped) {
            tasks.clear();
            scheduled.set(false);
            throw stopped;
        }
    }

    private void runTurn() {
        // Cleared first: a task added from here on schedules another turn, so none is left behind.
        scheduled.set(false);
        for (int ran = 0; ran < TASKS_PER_TURN; ran++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException unexpected) {
                LOG.error("a task on IO thread {} failed", thread, unexpected);
            }
        }
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }
}
