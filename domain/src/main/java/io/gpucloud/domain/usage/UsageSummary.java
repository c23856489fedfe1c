package io.gpucloud.domain.usage;

/** Totals over a period; {@code averageLatencyMillis} is 0 when there were no requests. */
public record UsageSummary(long totalRequests, long totalTokens, double averageLatencyMillis) {
    public static UsageSummary empty() {
        return new UsageSummary(0, 0, 0);
    }
}
