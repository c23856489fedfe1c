package io.gpucloud.domain.worker;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.inference.ChatRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A chat completion waiting for (or running on) a GPU worker. {@code request.model()} is the model
 * name the worker's engine knows, and names the queue. {@code stream}: the caller wants chunks as
 * they are produced (else one whole completion). {@code requestId} and {@code keyId} say whose call
 * it is, for tracing, when the caller knows them. {@code attempt} counts deliveries to workers: 0
 * while queued, 1 for the first worker, more after a worker was lost. Past {@code deadline} nobody
 * waits for the answer any more, so a worker drops the job without running it.
 */
public record Job(JobId id, Optional<RequestId> requestId, Optional<ApiKeyId> keyId, ChatRequest request, boolean stream,
                  Instant enqueuedAt, Instant deadline, int attempt) {

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(enqueuedAt, "enqueuedAt");
        Objects.requireNonNull(deadline, "deadline");
        if (!deadline.isAfter(enqueuedAt)) {
            throw new IllegalArgumentException("a job's deadline must be after its enqueue time");
        }
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative");
        }
    }

    /** A new job, not yet delivered, due {@code timeout} from {@code now}. */
    public static Job create(JobId id, Optional<RequestId> requestId, Optional<ApiKeyId> keyId, ChatRequest request,
                             boolean stream, Instant now, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a job's timeout must be positive");
        }
        return new Job(id, requestId, keyId, request, stream, now, now.plus(timeout), 0);
    }

    /** The queue this job waits on: the engine's model name. */
    public String model() {
        return request.model();
    }

    /** This job as handed to a worker for the {@code attempt}-th time (1 for the first). */
    public Job delivered(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("a delivered job's attempt is at least 1");
        }
        return new Job(id, requestId, keyId, request, stream, enqueuedAt, deadline, attempt);
    }

    /** True when nobody waits for the answer any more. */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(deadline);
    }
}
