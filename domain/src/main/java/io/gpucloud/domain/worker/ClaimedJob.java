package io.gpucloud.domain.worker;

import java.util.Objects;

/**
 * A job a worker holds under a lease. {@code job.attempt()} is this delivery's number;
 * {@code receipt} is the queue's handle on this delivery, opaque to the worker.
 */
public record ClaimedJob(Job job, String receipt) {
    public ClaimedJob {
        Objects.requireNonNull(job, "job");
        if (receipt == null || receipt.isBlank()) {
            throw new IllegalArgumentException("receipt is required");
        }
        if (job.attempt() < 1) {
            throw new IllegalArgumentException("a claimed job has been delivered at least once");
        }
    }
}
