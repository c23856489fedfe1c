package io.gpucloud.domain.worker;

import java.util.concurrent.CompletionStage;

/**
 * The API's side of the queue to GPU workers: one bounded queue per model; what workers report
 * about a job comes back to the listener given at submission. Non-blocking: every method returns at
 * once; stages complete on the adapter's threads. Infrastructure failures complete stages with
 * {@link io.gpucloud.domain.UnavailableException}. Thread-safe.
 */
public interface JobQueue {

    /**
     * Puts {@code job} on the queue of {@code job.model()} unless that queue is full, and from then
     * on hands the job's events to {@code listener} (see {@link JobListener} for their order) until
     * {@link #forget} or {@link #cancel}. The job is delivered to workers at least once: a worker
     * that dies mid-job is replaced after its lease, up to the adapter's number of attempts, after
     * which the listener gets a {@link JobEvent.Failed}. Not idempotent: each call queues a job.
     */
    CompletionStage<Submission> submit(Job job, JobListener listener);

    /** Stops handing the job's events to its listener; for a job whose answer is complete. Idempotent. */
    void forget(JobId id);

    /**
     * Asks the worker running the job (or the next one to claim it) to stop: a worker that has not
     * started it drops it, a running one stops between chunks and reports a {@link JobEvent.Failed}
     * with what it consumed. The listener keeps hearing events until {@link #forget}. Idempotent;
     * never throws (a cancellation that cannot be recorded is lost, and the job runs to its end).
     */
    void cancel(JobId id);

    /** How many jobs wait or run for {@code model} now. */
    CompletionStage<Long> depth(String model);

    /** Completes normally when the queue can take jobs now. */
    CompletionStage<Void> probe();
}
