package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.domain.worker.JobId;

/**
 * The queue's Redis names, all under the connection's prefix: {@code queue:<model>} (the jobs
 * stream of a model, consumer group {@value #GROUP}), {@code dead:<model>} (its dead letters),
 * {@code reply:<api instance>} (the events for one API instance), {@code cancel:<job id>} (a
 * cancellation flag), {@code workers} (the registry hash).
 */
final class QueueKeys {
    static final String GROUP = "workers";

    private final RedisConnection redis;

    QueueKeys(RedisConnection redis) {
        this.redis = redis;
    }

    String jobs(String model) {
        return redis.key("queue", model);
    }

    String deadLetters(String model) {
        return redis.key("dead", model);
    }

    String replies(String instance) {
        return redis.key("reply", instance);
    }

    String cancelFlag(JobId job) {
        return redis.key("cancel", job.value());
    }

    String workers() {
        return redis.key("workers");
    }
}
