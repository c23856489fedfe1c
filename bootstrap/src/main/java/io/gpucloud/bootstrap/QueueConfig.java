package io.gpucloud.bootstrap;

import java.time.Duration;

/**
 * The job queue's settings, part of {@link Config}: {@code QUEUE_MAX_DEPTH} (jobs per model waiting
 * or running before the API answers 503 with {@code Retry-After}, default 1000),
 * {@code QUEUE_RETRY_AFTER_SECONDS} (what refused clients are told, default 2),
 * {@code QUEUE_JOB_TIMEOUT_SECONDS} (how long the API waits for a worker's answer before a 504 and
 * after which workers drop the job unrun, default 300), {@code QUEUE_LEASE_MS} (how long a worker may
 * stay silent before its jobs go to another worker and it shows as lost, default 15000; workers
 * heartbeat every third of it), {@code QUEUE_MAX_ATTEMPTS} (deliveries of one job before it is
 * dead-lettered and its client gets an error, default 3).
 */
public record QueueConfig(int maxDepth, Duration retryAfter, Duration jobTimeout, Duration lease, int maxAttempts) {
    public static final QueueConfig DEFAULT = new QueueConfig(1_000, Duration.ofSeconds(2), Duration.ofSeconds(300),
            Duration.ofSeconds(15), 3);

    public QueueConfig {
        if (maxDepth < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("maxDepth and maxAttempts must be positive");
        }
        if (retryAfter.isNegative() || jobTimeout.toMillis() < 1 || lease.toMillis() < 100) {
            throw new IllegalArgumentException("jobTimeout must be positive and lease at least 100 ms");
        }
    }

    public QueueConfig withLease(Duration newLease) {
        return new QueueConfig(maxDepth, retryAfter, jobTimeout, newLease, maxAttempts);
    }
}
