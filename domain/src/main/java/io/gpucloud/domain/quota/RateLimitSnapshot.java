package io.gpucloud.domain.quota;

import java.util.Optional;

/** The request and token windows of a key after a decision; empty where the key has no limit. */
public record RateLimitSnapshot(Optional<RateWindow> requests, Optional<RateWindow> tokens) {
    public static RateLimitSnapshot unlimited() {
        return new RateLimitSnapshot(Optional.empty(), Optional.empty());
    }
}
