package io.gpucloud.adapters.redis.quota;

import java.util.Locale;

/** What the Redis quota gate does while Redis cannot answer ({@code QUOTA_WHEN_REDIS_DOWN}). */
public enum QuotaWhenRedisDown {
    /** Keep serving on this instance's in-process limits (exact per instance, not across them). */
    LOCAL,
    /** Refuse every limited call with {@code UNAVAILABLE} and a Retry-After (HTTP 503). */
    REFUSE;

    /** Reads {@code local} or {@code refuse}, in any case. */
    public static QuotaWhenRedisDown parse(String text) {
        return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT)) {
            case "local" -> LOCAL;
            case "refuse" -> REFUSE;
            default -> throw new IllegalArgumentException("QUOTA_WHEN_REDIS_DOWN must be local or refuse, was '" + text + "'");
        };
    }
}
