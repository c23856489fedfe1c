package io.gpucloud.adapters.http.wire;

import java.time.Duration;

/** Durations as HTTP and OpenAI write them. */
public final class RetryAfter {
    private RetryAfter() {
    }

    /** {@code Retry-After} in whole seconds, rounded up, at least 1. */
    public static String headerValue(Duration after) {
        long seconds = after.getSeconds() + (after.getNano() > 0 ? 1 : 0);
        return Long.toString(Math.max(1, seconds));
    }

    /**
     * OpenAI's form for {@code x-ratelimit-reset-*} (Go's duration syntax at millisecond precision):
     * {@code 0s}, {@code 120ms}, {@code 1s}, {@code 59.5s}, {@code 6m0s}, {@code 1h2m3s}.
     */
    public static String humanReadable(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        if (millis == 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long hours = millis / 3_600_000;
        long minutes = millis % 3_600_000 / 60_000;
        long secondMillis = millis % 60_000;
        StringBuilder text = new StringBuilder();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            text.append(minutes).append('m');
        }
        // Seconds with the milliseconds' trailing zeros dropped (59.5s, 1.25s, 6s), without BigDecimal: this runs for
        // every answer's rate-limit headers.
        text.append(secondMillis / 1000);
        int fraction = (int) (secondMillis % 1000);
        if (fraction > 0) {
            int digits = 3;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            text.append('.');
            for (int pad = digits - Integer.toString(fraction).length(); pad > 0; pad--) {
                text.append('0');
            }
            text.append(fraction);
        }
        return text.append('s').toString();
    }
}
