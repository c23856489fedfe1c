package io.gpucloud.domain.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A GPU worker's side of the queue: claim jobs under a lease, send their events, acknowledge them
 * once the answer is delivered. A claimed job that is neither acknowledged nor renewed within the
 * adapter's lease is taken to be abandoned (its worker died) and may be claimed again, as a new
 * attempt, by any worker: delivery is at least once, so a job may run more than once, and the
 * caller decides which attempt it follows (see {@link JobListener}).
 *
 * <p>{@link #send} is non-blocking (it is called from engine callbacks); the other methods block
 * for at most the time they are given plus the adapter's command timeout and are called from the
 * worker's own threads. {@link #take} may be called by one thread at a time per instance.
 * Infrastructure failures throw (or complete stages with) {@link io.gpucloud.domain.UnavailableException}.
 */
public interface JobSource {

    /**
     * Claims up to {@code max} jobs not yet delivered to anyone from the queues of {@code models},
     * waiting up to {@code wait} for the first to arrive (not at all for {@link Duration#ZERO}).
     * Returns an empty list when none came. Jobs past their deadline are returned too: the worker
     * drops them (see {@link Job#isExpiredAt}).
     */
    List<ClaimedJob> take(WorkerId worker, Set<String> models, int max, Duration wait);

    /**
     * Claims up to {@code max} jobs of {@code models} whose worker went silent past the lease, each
     * as a new attempt. A job that would exceed the adapter's number of attempts is not returned:
     * it is moved to the dead-letter store and its caller gets a {@link JobEvent.Failed}.
     */
    List<ClaimedJob> reclaim(WorkerId worker, Set<String> models, int max);

    /**
     * Sends the {@code sequence}-th event (from 0) of this attempt to the caller. Events of one job
     * must be sent in sequence order, one after the other; the adapter stores them in that order.
     * Completes with whether the caller cancelled the job meanwhile.
     */
    CompletionStage<Delivery> send(ClaimedJob job, long sequence, JobEvent event);

    /**
     * Marks the job done once its terminal event was delivered: it leaves the queue and is never
     * claimed again. Does nothing (and returns false) when the job is no longer this worker's: the
     * newer attempt acknowledges it.
     */
    boolean ack(WorkerId worker, ClaimedJob job);

    /** Renews the lease on each job this worker holds; the answer says, per job, whether to go on. */
    Map<JobId, LeaseState> renew(WorkerId worker, Collection<ClaimedJob> jobs);

    /**
     * Gives jobs back at once (a worker stopping before they finished): another worker may claim
     * them without waiting for the lease to run out; that counts as a new attempt.
     */
    void release(WorkerId worker, Collection<ClaimedJob> jobs);
}
