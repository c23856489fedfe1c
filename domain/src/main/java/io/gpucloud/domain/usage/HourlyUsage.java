package io.gpucloud.domain.usage;

import java.time.Instant;

/** Usage in the hour starting at {@code hour} (UTC, truncated to the hour). */
public record HourlyUsage(Instant hour, long requestCount, long tokenCount) {
    public HourlyUsage {
        if (requestCount < 0 || tokenCount < 0) {
            throw new IllegalArgumentException("counts must not be negative");
        }
    }
}
