package io.gpucloud.domain.usage;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;

import java.time.Instant;
import java.util.Objects;

/** One metered call: written at most once per request id. */
public record UsageRecord(
        RequestId requestId,
        ApiKeyId keyId,
        String model,
        long promptTokens,
        long completionTokens,
        long latencyMillis,
        UsageStatus status,
        Instant occurredAt) {

    public UsageRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model is required");
        }
        if (promptTokens < 0 || completionTokens < 0 || latencyMillis < 0) {
            throw new IllegalArgumentException("token counts and latency must not be negative");
        }
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
