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

    /** A ledger on an emptied database, with one key issued. */
    private record LedgerWithKey(JdbiApiKeyStore keys, JdbiUsageLedger ledger, ApiKey key) {
        static LedgerWithKey issuedAt(Instant issuedAt) {
            Database database = TestDatabase.emptied();
            JdbiApiKeyStore keys = new JdbiApiKeyStore(database);
            ApiKey key = ApiKey.issue(ApiKeyId.random(), "k", KeySecret.generate(), Limits.none(), issuedAt);
            keys.add(key);
            return new LedgerWithKey(keys, new JdbiUsageLedger(database), key);
        }

        UsageRecord completed(String requestId, long promptTokens, long completionTokens, Instant at) {
            return new UsageRecord(new RequestId(requestId), key.id(), "m", promptTokens, completionTokens, 5,
                    UsageStatus.COMPLETED, at);
        }
    }

    /** Times travel as microseconds since the epoch: the last microsecond of an hour stays in that hour. */
    @Test
    void eventTimes_keepTheirMicrosecond_atAnHoursEdge() {
        Instant hour = Instant.parse("2026-03-10T11:00:00Z");
        LedgerWithKey fixture = LedgerWithKey.issuedAt(hour.minusSeconds(86_400));
        JdbiUsageLedger ledger = fixture.ledger();
        Optional<ApiKeyId> key = Optional.of(fixture.key().id());

        ledger.append(List.of(fixture.completed("req-edge-1", 1, 0, hour.minusNanos(1_000)),
                fixture.completed("req-edge-2", 2, 0, hour)));

        assertEquals(List.of(new HourlyUsage(hour.minusSeconds(3600), 1, 1), new HourlyUsage(hour, 1, 2)),
                ledger.hourly(key, hour.minusSeconds(3600), hour.plusSeconds(3600)));
        assertEquals(1, ledger.summary(key, hour.minusNanos(1_000), hour).totalRequests());
    }

    /** New events take the insert without conflict checks; only a batch holding an id written before goes again with them. */
    @Test
    void append_checksForConflicts_onlyWhenABatchIsSentAgain() {
        Instant now = Instant.parse("2026-03-10T10:00:00Z");
        LedgerWithKey fixture = LedgerWithKey.issuedAt(now.minusSeconds(60));
        JdbiApiKeyStore keys = fixture.keys();
        JdbiUsageLedger ledger = fixture.ledger();
        ApiKey key = fixture.key();
        UsageRecord first = fixture.completed("req-resend-1", 1, 2, now);
        UsageRecord second = fixture.completed("req-resend-2", 3, 4, now);

        assertEquals(1, ledger.append(List.of(first)));
        assertEquals(0, ledger.resentBatches());

        assertEquals(1, ledger.append(List.of(first, second)));
        assertEquals(1, ledger.resentBatches());
        assertEquals(List.of(new HourlyUsage(now, 2, 10)), ledger.hourly(Optional.of(key.id()), now, now.plusSeconds(3600)));
        assertEquals(2, keys.findById(key.id()).orElseThrow().usageCount());
    }
}
