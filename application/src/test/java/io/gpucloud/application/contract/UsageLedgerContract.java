package io.gpucloud.application.contract;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import io.gpucloud.domain.usage.UsageSummary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What every {@link UsageLedger} must do, together with the {@link ApiKeyStore} whose usage count and
 * last use it maintains. Extend it with the adapters under test; each test gets fresh, empty ones.
 */
public abstract class UsageLedgerContract {
    private static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");

    /** A ledger and the key store it keeps usage counts in; both empty. */
    public record Stores(ApiKeyStore keys, UsageLedger ledger) {
    }

    private ApiKeyStore keys;
    private UsageLedger ledger;
    private ApiKey alpha;
    private ApiKey beta;
    private int nextRequest;

    /** A new, empty ledger and key store. */
    protected abstract Stores newStores();

    @BeforeEach
    void freshStores() {
        Stores stores = newStores();
        keys = stores.keys();
        ledger = stores.ledger();
        alpha = ApiKey.issue(ApiKeyId.random(), "alpha", KeySecret.generate(), Limits.none(), T0.minusSeconds(86_400));
        beta = ApiKey.issue(ApiKeyId.random(), "beta", KeySecret.generate(), Limits.none(), T0.minusSeconds(86_400));
        keys.add(alpha);
        keys.add(beta);
    }

    @Test
    void append_newRecords_returnsHowManyWereNew() {
        int added = ledger.append(List.of(use(alpha, T0, 10, 5, 100), use(alpha, T0, 1, 1, 10), use(beta, T0, 2, 2, 20)));

        assertEquals(3, added);
    }

    @Test
    void append_emptyBatch_returnsZero() {
        assertEquals(0, ledger.append(List.of()));
    }

    @Test
    void append_resentBatch_addsNothingAndReturnsZero() {
        List<UsageRecord> batch = List.of(use(alpha, T0, 10, 5, 100), use(alpha, T0.plusSeconds(5), 3, 4, 50),
                use(beta, T0.plusSeconds(3700), 7, 7, 70));
        ledger.append(batch);
        UsageSummary before = ledger.summary(Optional.empty(), T0, T0.plus(2, ChronoUnit.HOURS));
        List<HourlyUsage> hoursBefore = ledger.hourly(Optional.empty(), T0, T0.plus(2, ChronoUnit.HOURS));

        int added = ledger.append(batch);

        assertEquals(0, added);
        assertEquals(before, ledger.summary(Optional.empty(), T0, T0.plus(2, ChronoUnit.HOURS)));
        assertEquals(hoursBefore, ledger.hourly(Optional.empty(), T0, T0.plus(2, ChronoUnit.HOURS)));
        assertEquals(2, keys.findById(alpha.id()).orElseThrow().usageCount());
        assertEquals(1, keys.findById(beta.id()).orElseThrow().usageCount());
    }

    @Test
    void append_batchOverlappingAnEarlierOne_addsOnlyTheNewRecords() {
        UsageRecord first = use(alpha, T0, 1, 1, 10);
        UsageRecord second = use(alpha, T0, 1, 1, 10);
        ledger.append(List.of(first, second));

        int added = ledger.append(List.of(second, use(alpha, T0, 1, 1, 10)));

        assertEquals(1, added);
        assertEquals(3, keys.findById(alpha.id()).orElseThrow().usageCount());
    }

    @Test
    void append_batchRepeatingARequestId_keepsTheFirstRecordOnly() {
        UsageRecord first = use(alpha, T0, 10, 10, 100);
        UsageRecord repeat = new UsageRecord(first.requestId(), alpha.id(), "other-model", 99, 99, 999,
                UsageStatus.FAILED, T0.plusSeconds(1));

        int added = ledger.append(List.of(first, repeat));

        assertEquals(1, added);
        assertEquals(new UsageSummary(1, 20, 100), ledger.summary(Optional.empty(), T0, T0.plusSeconds(3600)));
    }

    @Test
    void append_movesEachKeysUsageCountAndLastUse() {
        ledger.append(List.of(use(alpha, T0.plusSeconds(10), 1, 1, 1), use(alpha, T0.plusSeconds(30), 1, 1, 1),
                use(alpha, T0.plusSeconds(20), 1, 1, 1), use(beta, T0.plusSeconds(5), 1, 1, 1)));

        ApiKey storedAlpha = keys.findById(alpha.id()).orElseThrow();
        ApiKey storedBeta = keys.findById(beta.id()).orElseThrow();
        assertEquals(3, storedAlpha.usageCount());
        assertEquals(Optional.of(T0.plusSeconds(30)), storedAlpha.lastUsedAt());
        assertEquals(1, storedBeta.usageCount());
        assertEquals(Optional.of(T0.plusSeconds(5)), storedBeta.lastUsedAt());
    }

    @Test
    void append_ofAnOlderRecordLater_keepsTheLatestLastUse() {
        ledger.append(List.of(use(alpha, T0.plusSeconds(600), 1, 1, 1)));

        ledger.append(List.of(use(alpha, T0, 1, 1, 1)));

        ApiKey stored = keys.findById(alpha.id()).orElseThrow();
        assertEquals(2, stored.usageCount());
        assertEquals(Optional.of(T0.plusSeconds(600)), stored.lastUsedAt());
    }

    @Test
    void append_leavesRevocationAndLimitsAlone() {
        keys.revoke(alpha.id(), T0);

        ledger.append(List.of(use(alpha, T0.plusSeconds(1), 1, 1, 1)));

        ApiKey stored = keys.findById(alpha.id()).orElseThrow();
        assertEquals(Optional.of(T0), stored.revokedAt());
        assertEquals(Limits.none(), stored.limits());
    }

    @Test
    void hourly_sumsEachHourOldestFirst_andOmitsHoursWithoutUsage() {
        ledger.append(List.of(
                use(alpha, T0.plus(2, ChronoUnit.HOURS).plusSeconds(1800), 100, 50, 10),
                use(alpha, T0.plusSeconds(300), 10, 5, 10),
                use(beta, T0.plusSeconds(3599).plusMillis(999), 1, 2, 10)));

        List<HourlyUsage> hours = ledger.hourly(Optional.empty(), T0, T0.plus(3, ChronoUnit.HOURS));

        assertEquals(List.of(new HourlyUsage(T0, 2, 18), new HourlyUsage(T0.plus(2, ChronoUnit.HOURS), 1, 150)), hours);
    }

    @Test
    void hourly_forOneKey_countsOnlyThatKey() {
        ledger.append(List.of(use(alpha, T0.plusSeconds(60), 10, 5, 10), use(beta, T0.plusSeconds(60), 1, 2, 10)));

        List<HourlyUsage> hours = ledger.hourly(Optional.of(alpha.id()), T0, T0.plus(1, ChronoUnit.HOURS));

        assertEquals(List.of(new HourlyUsage(T0, 1, 15)), hours);
    }

    @Test
    void hourly_includesTheFirstHourAndExcludesTheLast() {
        ledger.append(List.of(use(alpha, T0.minusSeconds(1), 1, 0, 1), use(alpha, T0, 2, 0, 1),
                use(alpha, T0.plus(1, ChronoUnit.HOURS).minusMillis(1), 4, 0, 1),
                use(alpha, T0.plus(1, ChronoUnit.HOURS), 8, 0, 1)));

        List<HourlyUsage> hours = ledger.hourly(Optional.empty(), T0, T0.plus(1, ChronoUnit.HOURS));

        assertEquals(List.of(new HourlyUsage(T0, 2, 6)), hours);
    }

    @Test
    void hourly_withBoundsInsideHours_selectsWholeBucketsByTheirStart() {
        ledger.append(List.of(use(alpha, minutes(10), 1, 0, 1), use(alpha, minutes(50), 2, 0, 1),
                use(alpha, minutes(70), 4, 0, 1), use(alpha, minutes(130), 8, 0, 1), use(alpha, minutes(170), 16, 0, 1)));

        List<HourlyUsage> hours = ledger.hourly(Optional.empty(), minutes(30), minutes(150));

        assertEquals(List.of(new HourlyUsage(minutes(60), 1, 4), new HourlyUsage(minutes(120), 2, 24)), hours);
    }

    @Test
    void hourly_ofAnEmptyLedger_isEmpty() {
        assertEquals(List.of(), ledger.hourly(Optional.empty(), T0, T0.plus(24, ChronoUnit.HOURS)));
    }

    @Test
    void summary_totalsRequestsAndTokens_andAveragesLatencyOverRequests() {
        ledger.append(List.of(use(alpha, T0, 10, 5, 100), use(alpha, T0.plusSeconds(4000), 20, 5, 200),
                use(beta, T0.plusSeconds(8000), 30, 5, 603)));

        UsageSummary summary = ledger.summary(Optional.empty(), T0, T0.plus(3, ChronoUnit.HOURS));

        assertEquals(new UsageSummary(3, 75, 301.0), summary);
    }

    @Test
    void summary_forOneKey_countsOnlyThatKey() {
        ledger.append(List.of(use(alpha, T0, 10, 5, 100), use(alpha, T0.plusSeconds(60), 20, 5, 201),
                use(beta, T0, 30, 5, 600)));

        UsageSummary summary = ledger.summary(Optional.of(alpha.id()), T0, T0.plus(1, ChronoUnit.HOURS));

        assertEquals(new UsageSummary(2, 40, 150.5), summary);
    }

    @Test
    void summary_withoutUsage_isEmpty() {
        ledger.append(List.of(use(alpha, T0, 10, 5, 100)));

        assertEquals(UsageSummary.empty(), ledger.summary(Optional.empty(), T0.plusSeconds(7200), T0.plusSeconds(9000)));
        assertEquals(UsageSummary.empty(), ledger.summary(Optional.of(beta.id()), T0, T0.plusSeconds(3600)));
    }

    @Test
    void summary_overBoundsInsideHours_countsOnlyRecordsInTheRange() {
        ledger.append(List.of(use(alpha, minutes(10), 1, 0, 1), use(alpha, minutes(20), 2, 0, 1),
                use(alpha, minutes(50), 4, 0, 1), use(alpha, minutes(70), 8, 0, 1), use(alpha, minutes(160), 16, 0, 1),
                use(alpha, minutes(165), 32, 0, 1), use(alpha, minutes(185), 64, 0, 1)));

        assertEquals(new UsageSummary(4, 2 + 4 + 8 + 16, 1), ledger.summary(Optional.empty(), minutes(15), minutes(165)));
        assertEquals(new UsageSummary(1, 2, 1), ledger.summary(Optional.of(alpha.id()), minutes(15), minutes(30)));
        assertEquals(new UsageSummary(2, 2 + 4, 1), ledger.summary(Optional.empty(), minutes(15), minutes(60)));
    }

    @Test
    void tokensUsed_sumsTheKeysTokensInThatCalendarMonthOnly() {
        Instant march = Instant.parse("2026-03-01T00:00:00Z");
        Instant april = Instant.parse("2026-04-01T00:00:00Z");
        ledger.append(List.of(use(alpha, march.minusMillis(1), 1, 0, 1), use(alpha, march, 10, 20, 1),
                use(alpha, T0, 100, 200, 1), use(alpha, april.minusMillis(1), 1_000, 2_000, 1),
                use(alpha, april, 5, 5, 1), use(beta, T0, 40_000, 0, 1)));

        assertEquals(3_330, ledger.tokensUsed(alpha.id(), YearMonth.of(2026, 3)));
        assertEquals(1, ledger.tokensUsed(alpha.id(), YearMonth.of(2026, 2)));
        assertEquals(10, ledger.tokensUsed(alpha.id(), YearMonth.of(2026, 4)));
        assertEquals(0, ledger.tokensUsed(alpha.id(), YearMonth.of(2025, 3)));
        assertEquals(0, ledger.tokensUsed(ApiKeyId.random(), YearMonth.of(2026, 3)));
    }

    @Test
    void append_fromEightThreadsInBatches_storesTenThousandRecordsOnceWithExactSums() throws Exception {
        int threads = 8;
        int perThread = 1_250;
        int batchSize = 125;
        List<List<UsageRecord>> work = new ArrayList<>();
        Map<String, Long> expectedHourly = new TreeMap<>();
        long expectedTokens = 0;
        long expectedLatency = 0;
        long alphaUses = 0;
        for (int t = 0; t < threads; t++) {
            List<UsageRecord> records = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                int n = t * perThread + i;
                ApiKey key = n % 3 == 0 ? beta : alpha;
                UsageRecord record = use(key, T0.plusSeconds((n * 37L) % 86_400), n % 50, n % 17, n % 1_000);
                records.add(record);
                expectedHourly.merge(key.id() + "@" + record.occurredAt().truncatedTo(ChronoUnit.HOURS),
                        record.totalTokens(), Long::sum);
                expectedTokens += record.totalTokens();
                expectedLatency += record.latencyMillis();
                alphaUses += key == alpha ? 1 : 0;
            }
            work.add(records);
        }

        long added = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> results = new ArrayList<>();
            for (List<UsageRecord> records : work) {
                results.add(pool.submit(() -> {
                    int mine = 0;
                    for (int from = 0; from < records.size(); from += batchSize) {
                        List<UsageRecord> batch = records.subList(from, Math.min(records.size(), from + batchSize));
                        mine += ledger.append(batch);
                        if (from == batchSize) {
                            mine += ledger.append(batch); // a flush retried after an unclear failure
                        }
                    }
                    return mine;
                }));
            }
            for (Future<Integer> result : results) {
                added += result.get();
            }
        }

        Instant end = T0.plus(24, ChronoUnit.HOURS);
        assertEquals(10_000, added);
        assertEquals(new UsageSummary(10_000, expectedTokens, expectedLatency / 10_000.0),
                ledger.summary(Optional.empty(), T0, end));
        Map<String, Long> actualHourly = new TreeMap<>();
        for (ApiKey key : List.of(alpha, beta)) {
            for (HourlyUsage hour : ledger.hourly(Optional.of(key.id()), T0, end)) {
                actualHourly.put(key.id() + "@" + hour.hour(), hour.tokenCount());
            }
        }
        assertEquals(expectedHourly, actualHourly);
        assertEquals(10_000, ledger.hourly(Optional.empty(), T0, end).stream().mapToLong(HourlyUsage::requestCount).sum());
        assertEquals(alphaUses, keys.findById(alpha.id()).orElseThrow().usageCount());
        assertEquals(10_000 - alphaUses, keys.findById(beta.id()).orElseThrow().usageCount());
        assertEquals(expectedTokens, ledger.tokensUsed(alpha.id(), YearMonth.of(2026, 3))
                + ledger.tokensUsed(beta.id(), YearMonth.of(2026, 3)));
    }

    private static Instant minutes(long minutesAfterT0) {
        return T0.plus(minutesAfterT0, ChronoUnit.MINUTES);
    }

    private UsageRecord use(ApiKey key, Instant at, long promptTokens, long completionTokens, long latencyMillis) {
        nextRequest++;
        return new UsageRecord(new RequestId("req-" + nextRequest + "-" + key.id()), key.id(), "llama-3-8b",
                promptTokens, completionTokens, latencyMillis, UsageStatus.COMPLETED, at);
    }
}
