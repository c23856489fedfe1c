package io.gpucloud.domain.usage;

import io.gpucloud.domain.apikey.ApiKeyId;

import java.time.Instant;
import java.time.YearMonth;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The durable record of metered calls. Methods block (JDBC): call them off IO threads. Failures
 * throw {@link io.gpucloud.domain.UnavailableException}.
 */
public interface UsageLedger {

    /**
     * Writes a batch atomically: the records, the hourly roll-ups and each key's usage count and
     * last use move together. Idempotent per request id: a record whose request id is already
     * stored is skipped (so a re-sent batch adds nothing).
     *
     * @return how many records were new
     */
    int append(Collection<UsageRecord> batch);

    /** Hourly buckets in {@code [fromHour, toHour)}, oldest first; hours without usage omitted. */
    List<HourlyUsage> hourly(Optional<ApiKeyId> key, Instant fromHour, Instant toHour);

    /** Totals over {@code [from, to)}. */
    UsageSummary summary(Optional<ApiKeyId> key, Instant from, Instant to);

    /** Tokens the key used in the given calendar month (UTC); what budgets are rebuilt from. */
    long tokensUsed(ApiKeyId key, YearMonth month);
}
