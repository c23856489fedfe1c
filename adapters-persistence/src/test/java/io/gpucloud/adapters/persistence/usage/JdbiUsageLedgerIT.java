package io.gpucloud.adapters.persistence.usage;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.apikey.JdbiApiKeyStore;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.application.contract.UsageLedgerContract;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JdbiUsageLedgerIT extends UsageLedgerContract {
    @Override
    protected Stores newStores() {
        Database database = TestDatabase.emptied();
        return new Stores(new JdbiApiKeyStore(database), new JdbiUsageLedger(database));
    }

    /** The roll-up is computed by PostgreSQL: its hours must be UTC hours whatever the session's time zone. */
    @Test
    void hourlyRollUp_isInWholeUtcHours_evenWhenTheSessionTimeZoneIsHalfAnHourOff() {
        TimeZone jvmDefault = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata")); // pgjdbc starts each new session in the JVM's zone
        try {
            Database database = TestDatabase.open(TestDatabase.createDatabase());
            database.migrate();
            JdbiApiKeyStore keys = new JdbiApiKeyStore(database);
            JdbiUsageLedger ledger = new JdbiUsageLedger(database);
            Instant hour = Instant.parse("2026-03-10T10:00:00Z");
            ApiKey key = ApiKey.issue(ApiKeyId.random(), "k", KeySecret.generate(), Limits.none(), hour.minusSeconds(86_400));
            keys.add(key);

            ledger.append(List.of(
                    new UsageRecord(new RequestId("req-tz-1"), key.id(), "m", 1, 1, 5, UsageStatus.COMPLETED, hour.plusSeconds(50 * 60)),
                    new UsageRecord(new RequestId("req-tz-2"), key.id(), "m", 2, 2, 5, UsageStatus.COMPLETED, hour.plusSeconds(70 * 60))));

            assertEquals(List.of(new HourlyUsage(hour, 1, 2), new HourlyUsage(hour.plusSeconds(3600), 1, 4)),
                    ledger.hourly(Optional.of(key.id()), hour.minusSeconds(3600), hour.plusSeconds(3 * 3600)));
            database.close();
        } finally {
            TimeZone.setDefault(jvmDefault);
        }
    }

    /** Times travel as microseconds since the epoch: the last microsecond of an hour stays in that hour. */
    @Test
    void eventTimes_keepTheirMicrosecond_atAnHoursEdge() {
        Database database = TestDatabase.emptied();
        JdbiApiKeyStore keys = new JdbiApiKeyStore(database);
        JdbiUsageLedger ledger = new JdbiUsageLedger(database);
        Instant hour = Instant.parse("2026-03-10T11:00:00Z");
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "k", KeySecret.generate(), Limits.none(), hour.minusSeconds(86_400));
        keys.add(key);

        ledger.append(List.of(
                new UsageRecord(new RequestId("req-edge-1"), key.id(), "m", 1, 0, 5, UsageStatus.COMPLETED, hour.minusNanos(1_000)),
                new UsageRecord(new RequestId("req-edge-2"), key.id(), "m", 2, 0, 5, UsageStatus.COMPLETED, hour)));

        assertEquals(List.of(new HourlyUsage(hour.minusSeconds(3600), 1, 1), new HourlyUsage(hour, 1, 2)),
                ledger.hourly(Optional.of(key.id()), hour.minusSeconds(3600), hour.plusSeconds(3600)));
        assertEquals(1, ledger.summary(Optional.of(key.id()), hour.minusNanos(1_000), hour).totalRequests());
    }

    /** New events take the insert without conflict checks; only a batch holding an id written before goes again with them. */
    @Test
    void append_checksForConflicts_onlyWhenABatchIsSentAgain() {
        Database database = TestDatabase.emptied();
        JdbiApiKeyStore keys = new JdbiApiKeyStore(database);
        JdbiUsageLedger ledger = new JdbiUsageLedger(database);
        Instant now = Instant.parse("2026-03-10T10:00:00Z");
        ApiKey key = ApiKey.issue(ApiKeyId.random(), "k", KeySecret.generate(), Limits.none(), now.minusSeconds(60));
        keys.add(key);
        UsageRecord first = new UsageRecord(new RequestId("req-resend-1"), key.id(), "m", 1, 2, 5, UsageStatus.COMPLETED, now);
        UsageRecord second = new UsageRecord(new RequestId("req-resend-2"), key.id(), "m", 3, 4, 5, UsageStatus.COMPLETED, now);

        assertEquals(1, ledger.append(List.of(first)));
        assertEquals(0, ledger.resentBatches());

        assertEquals(1, ledger.append(List.of(first, second)));
        assertEquals(1, ledger.resentBatches());
        assertEquals(List.of(new HourlyUsage(now, 2, 10)), ledger.hourly(Optional.of(key.id()), now, now.plusSeconds(3600)));
        assertEquals(2, keys.findById(key.id()).orElseThrow().usageCount());
    }
}
