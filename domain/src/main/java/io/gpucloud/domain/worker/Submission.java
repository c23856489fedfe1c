package io.gpucloud.domain.worker;

import java.time.Duration;
import java.util.Objects;

/** What became of a job put on the queue. */
public sealed interface Submission {

    /** On the queue; {@code depth} is how many jobs its model's queue holds now, this one included. */
    record Queued(long depth) implements Submission {
    }

    /** Refused: the model's queue holds {@code limit} jobs already. Try again after {@code retryAfter}. */
    record QueueFull(String model, long limit, Duration retryAfter) implements Submission {
        public QueueFull {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }
}
