package io.gpucloud.domain.worker;

import java.time.Instant;
import java.util.List;

/**
 * Who is working: workers announce themselves with heartbeats. Methods block for at most the
 * adapter's command timeout; failures throw {@link io.gpucloud.domain.UnavailableException}.
 * Thread-safe. Nothing here is needed for jobs to flow: it is what operators see.
 */
public interface WorkerRegistry {

    /** Records {@code info} (its {@code lastSeen} is the heartbeat's time). Idempotent. */
    void heartbeat(WorkerInfo info);

    /** Removes a worker that stopped cleanly. Idempotent. */
    void deregister(WorkerId id);

    /**
     * Every worker heard from recently, ordered by id, as seen at {@code now} ({@link WorkerInfo#seenAt}):
     * a silent one is {@link WorkerState#LOST} until the adapter forgets it (after a retention far
     * longer than any lease).
     */
    List<WorkerInfo> list(Instant now);
}
