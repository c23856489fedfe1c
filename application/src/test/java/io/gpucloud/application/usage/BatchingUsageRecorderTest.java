package io.gpucloud.application.usage;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import io.gpucloud.domain.usage.UsageSummary;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchingUsageRecorderTest {
    private final ApiKeyId key = ApiKeyId.random();

    private UsageRecord record(int i) {
        return new UsageRecord(new RequestId("r" + i), key, "gpt-4", 10, 5, 3, UsageStatus.COMPLETED, Instant.now());
    }

    /** A ledger that can be switched off, as PostgreSQL going down would. */
    private static class FlakyLedger implements UsageLedger {
        final InMemoryUsageLedger real = new InMemoryUsageLedger(new InMemoryApiKeyStore());
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger appends = new AtomicInteger();

        @Override public int append(Collection<UsageRecord> batch) {
            appends.incrementAndGet();
            if (down.get()) {
                throw new UnavailableException("database", "down for the test");
            }
            return real.append(batch);
        }
        @Override public List<HourlyUsage> hourly(Optional<ApiKeyId> k, Instant from, Instant to) { return real.hourly(k, from, to); }
        @Override public UsageSummary summary(Optional<ApiKeyId> k, Instant from, Instant to) { return real.summary(k, from, to); }
        @Override public long tokensUsed(ApiKeyId k, YearMonth month) { return real.tokensUsed(k, month); }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void record_manyRecords_areWrittenInFewBatches() throws Exception {
        FlakyLedger ledger = new FlakyLedger();
        try (BatchingUsageRecorder recorder = new BatchingUsageRecorder(ledger, 10_000, 500, Duration.ofMillis(50)).start()) {
            for (int i = 0; i < 2_000; i++) {
                recorder.record(record(i));
            }
            awaitTrue(() -> recorder.written() == 2_000);
            assertTrue(ledger.appends.get() < 100, "appends: " + ledger.appends.get());
        }
    }

    @Test
    void record_aSteadyStreamWhileEachWriteTakesAWhile_isWrittenOncePerInterval_notOncePerWrite() throws Exception {
        Duration interval = Duration.ofMillis(200);
        FlakyLedger ledger = new FlakyLedger() {
            @Override public int append(Collection<UsageRecord> batch) {
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // a database round trip under load
                return super.append(batch);
            }
        };
        int recorded = 0;
        long started = System.nanoTime();
        try (BatchingUsageRecorder recorder = new BatchingUsageRecorder(ledger, 100_000, 10_000, interval).start()) {
            while (System.nanoTime() - started < Duration.ofMillis(1_200).toNanos()) {
                recorder.record(record(recorded++));
                LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            }
            long intervals = (System.nanoTime() - started) / interval.toNanos();
            int appends = ledger.appends.get();
            // One write per interval at most (none of these batches is full); writing again as soon as records
            // arrived during a write made one per 20 ms write here, about 50.
            assertTrue(appends >= 1 && appends <= intervals + 1, "appends: " + appends + " in " + intervals + " intervals");
            int all = recorded;
            recorder.flush();
            assertEquals(all, recorder.written());
        }
    }

    @Test
    void record_whileTheLedgerIsDown_keepsRecordsAndWritesThemOnceItIsBack() throws Exception {
        FlakyLedger ledger = new FlakyLedger();
        ledger.down.set(true);
        try (BatchingUsageRecorder recorder = new BatchingUsageRecorder(ledger, 10_000, 100, Duration.ofMillis(10)).start()) {
            for (int i = 0; i < 1_000; i++) {
                recorder.record(record(i));
            }
            awaitTrue(() -> recorder.failedFlushes() >= 2);
            assertEquals(1_000, recorder.pending());
            ledger.down.set(false);
            awaitTrue(() -> recorder.written() == 1_000);
            assertEquals(15_000, ledger.real.tokensUsed(key, YearMonth.now(java.time.ZoneOffset.UTC)));
        }
    }

    @Test
    void record_pastCapacity_dropsAndCountsTheOverflow() {
        FlakyLedger ledger = new FlakyLedger();
        BatchingUsageRecorder recorder = new BatchingUsageRecorder(ledger, 100, 10, Duration.ofMillis(10));
        for (int i = 0; i < 150; i++) {
            recorder.record(record(i));
        }
        assertEquals(50, recorder.dropped());
        recorder.flush();
        assertEquals(100, recorder.written());
    }

    @Test
    void close_writesWhatIsStillQueued() {
        FlakyLedger ledger = new FlakyLedger();
        BatchingUsageRecorder recorder = new BatchingUsageRecorder(ledger, 1_000, 10, Duration.ofSeconds(30)).start();
        for (int i = 0; i < 95; i++) {
            recorder.record(record(i));
        }
        recorder.close(Duration.ofSeconds(5));
        assertEquals(95, ledger.real.summary(Optional.of(key), Instant.EPOCH, Instant.now().plusSeconds(60)).totalRequests());
    }
}
