package io.gpucloud.application.quota;

import io.gpucloud.domain.apikey.Limits;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** The rules every quota gate applies the same way, whatever stores its counters. */
public final class QuotaRules {
    /** Retry-After for a call refused on concurrency: when a call ends is unknowable, so a short wait. */
    public static final Duration CONCURRENCY_RETRY_AFTER = Duration.ofSeconds(1);
    /** Retry-After when the quota store is unavailable. */
    public static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(1);
    /** The shortest Retry-After ever answered, so that a refusal never says "retry now". */
    public static final Duration MIN_RETRY_AFTER = Duration.ofMillis(1);

    private QuotaRules() {
    }

    /** True when none of the limits a gate enforces is set: such calls are admitted without state. */
    public static boolean isUnlimited(Limits limits) {
        return limits.requestsPerMinute().isEmpty() && limits.tokensPerMinute().isEmpty()
                && limits.monthlyTokenBudget().isEmpty() && limits.maxConcurrent().isEmpty();
    }

    /** The budget month (calendar month, UTC) an instant falls in. */
    public static YearMonth monthOf(Instant instant) {
        return YearMonth.from(instant.atOffset(ZoneOffset.UTC));
    }

    /** Time from {@code now} until the next budget month starts. */
    public static Duration untilNextMonth(Instant now) {
        Instant next = monthOf(now).plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        return Duration.between(now, next);
    }

    /**
     * Tokens a call is charged against tpm up front: its estimate, but never more than the whole
     * limit, so that a call larger than the limit is admitted into an empty window (and corrected
     * when it settles) instead of being refused forever.
     */
    public static long tpmCharge(long estimatedTokens, long tokensPerMinute) {
        return Math.min(estimatedTokens, tokensPerMinute);
    }
}
