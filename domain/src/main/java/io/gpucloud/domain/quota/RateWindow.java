package io.gpucloud.domain.quota;

import java.time.Duration;

/**
 * The state of one limit after a decision: what the {@code x-ratelimit-*} headers carry.
 *
 * @param resetAfter time until the window has fully replenished
 */
public record RateWindow(long limit, long remaining, Duration resetAfter) {
    public RateWindow {
        if (limit <= 0 || remaining < 0 || resetAfter.isNegative()) {
            throw new IllegalArgumentException("limit must be positive, remaining and reset not negative");
        }
    }
}
