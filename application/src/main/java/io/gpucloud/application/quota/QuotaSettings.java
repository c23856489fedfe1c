package io.gpucloud.application.quota;

import java.time.Duration;

/**
 * Tuning shared by the quota gates.
 *
 * @param window             length of the sliding rpm/tpm window; 60 s in production, shorter in tests
 * @param reservationTimeout how long an admitted call may stay unsettled before its concurrency slot
 *                           frees itself (an instance died mid-call, or a caller never settled);
 *                           longer than the longest stream
 */
public record QuotaSettings(Duration window, Duration reservationTimeout) {
    public static final QuotaSettings DEFAULT = new QuotaSettings(Duration.ofSeconds(60), Duration.ofMinutes(15));

    public QuotaSettings {
        if (window == null || window.toMillis() < 1) {
            throw new IllegalArgumentException("window must be at least 1 ms");
        }
        if (reservationTimeout == null || reservationTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("reservationTimeout must be at least 1 ms");
        }
    }

    public QuotaSettings withWindow(Duration newWindow) {
        return new QuotaSettings(newWindow, reservationTimeout);
    }

    public QuotaSettings withReservationTimeout(Duration newTimeout) {
        return new QuotaSettings(window, newTimeout);
    }
}
