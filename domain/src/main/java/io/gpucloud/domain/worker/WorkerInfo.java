package io.gpucloud.domain.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One worker as its last heartbeat described it. {@code models} are the queues it serves,
 * {@code concurrency} how many jobs it runs at once, {@code inFlight} how many it ran then;
 * {@code lease} is how long it may stay silent before it counts as lost.
 */
public record WorkerInfo(WorkerId id, String host, List<String> models, int concurrency, int inFlight, Instant lastSeen,
                         Duration lease, WorkerState state) {
    public WorkerInfo {
        Objects.requireNonNull(id, "id");
        host = host == null ? "" : host;
        models = List.copyOf(models);
        if (concurrency < 1 || inFlight < 0) {
            throw new IllegalArgumentException("concurrency must be positive and inFlight not negative");
        }
        Objects.requireNonNull(lastSeen, "lastSeen");
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive");
        }
        Objects.requireNonNull(state, "state");
    }

    /** This worker as seen at {@code now}: {@link WorkerState#LOST} once silent for longer than its lease. */
    public WorkerInfo seenAt(Instant now) {
        if (state != WorkerState.LOST && now.isAfter(lastSeen.plus(lease))) {
            return new WorkerInfo(id, host, models, concurrency, inFlight, lastSeen, lease, WorkerState.LOST);
        }
        return this;
    }
}
