package io.gpucloud.application.usage;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageSummary;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The ledger in memory, with the same idempotency and key bookkeeping as the database one. */
public final class InMemoryUsageLedger implements UsageLedger {
    private final Map<String, UsageRecord> byRequestId = new LinkedHashMap<>();
    private final InMemoryApiKeyStore keys;

    public InMemoryUsageLedger(InMemoryApiKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public synchronized int append(Collection<UsageRecord> batch) {
        int added = 0;
        for (UsageRecord record : batch) {
            if (byRequestId.putIfAbsent(record.requestId().value(), record) == null) {
                added++;
                keys.recordUse(record.keyId(), record.occurredAt(), 1);
            }
        }
        return added;
    }

    @Override
    public synchronized List<HourlyUsage> hourly(Optional<ApiKeyId> key, Instant fromHour, Instant toHour) {
        TreeMap<Instant, long[]> buckets = new TreeMap<>();
        for (UsageRecord record : matching(key, Instant.MIN, Instant.MAX)) {
            Instant hour = record.occurredAt().truncatedTo(ChronoUnit.HOURS);
            if (hour.isBefore(fromHour) || !hour.isBefore(toHour)) {
                continue; // a bucket belongs to the range by its start, as the database's roll-up rows do
            }
            long[] sums = buckets.computeIfAbsent(hour, ignored -> new long[2]);
            sums[0]++;
            sums[1] += record.totalTokens();
        }
        List<HourlyUsage> hours = new ArrayList<>();
        buckets.forEach((hour, sums) -> hours.add(new HourlyUsage(hour, sums[0], sums[1])));
        return hours;
    }

    @Override
    public synchronized UsageSummary summary(Optional<ApiKeyId> key, Instant from, Instant to) {
        long requests = 0;
        long tokens = 0;
        long latency = 0;
        for (UsageRecord record : matching(key, from, to)) {
            requests++;
            tokens += record.totalTokens();
            latency += record.latencyMillis();
        }
        return requests == 0 ? UsageSummary.empty() : new UsageSummary(requests, tokens, (double) latency / requests);
    }

    @Override
    public synchronized long tokensUsed(ApiKeyId key, YearMonth month) {
        Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        return matching(Optional.of(key), from, to).stream().mapToLong(UsageRecord::totalTokens).sum();
    }

    private List<UsageRecord> matching(Optional<ApiKeyId> key, Instant from, Instant to) {
        return byRequestId.values().stream()
                .filter(record -> key.map(record.keyId()::equals).orElse(true))
                .filter(record -> !record.occurredAt().isBefore(from) && record.occurredAt().isBefore(to))
                .toList();
    }
}
