package io.gpucloud.adapters.persistence.usage;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.usage.HourlyUsage;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;
import io.gpucloud.domain.usage.UsageSummary;
import org.jdbi.v3.core.argument.Argument;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The usage ledger in PostgreSQL. {@link #append} writes a whole batch in one transaction of two
 * statements: the batch's keys locked in id order, then one statement that inserts the events and, from
 * the rows it inserted, upserts the hourly roll-up and moves the keys' {@code usage_count}/{@code
 * last_used_at}; nothing row by row, and no rows travel back. Reads come from the roll-up; only the
 * partial hours at the ends of a summary read events.
 * Events are inserted as new first; a batch sent again after an unclear failure meets a unique violation, which
 * writes nothing, and goes again with {@code ON CONFLICT (request_id) DO NOTHING}: checking every row for a
 * conflict made PostgreSQL's insert of a row 1.6–1.8 times as costly, on a path that only a retry needs.
 * Blocking; failures throw {@link io.gpucloud.domain.UnavailableException} and leave nothing written.
 */
public final class JdbiUsageLedger implements UsageLedger {
    private final Database database;
    private final LongAdder resentBatches = new LongAdder();

    public JdbiUsageLedger(Database database) {
        this.database = database;
    }

    @Override
    public int append(Collection<UsageRecord> batch) {
        Map<String, UsageRecord> firstPerRequest = new LinkedHashMap<>();
        for (UsageRecord record : batch) {
            firstPerRequest.putIfAbsent(record.requestId().value(), record);
        }
        if (firstPerRequest.isEmpty()) {
            return 0;
        }
        int size = firstPerRequest.size();
        String[] requestIds = new String[size];
        String[] keyIds = new String[size];
        String[] models = new String[size];
        long[] promptTokens = new long[size];
        long[] completionTokens = new long[size];
        long[] latencies = new long[size];
        String[] statuses = new String[size];
        long[] occurredAtMicros = new long[size];
        Map<ApiKeyId, String> keys = new HashMap<>(); // a batch holds a few keys: each is written out once
        int i = 0;
        for (UsageRecord record : firstPerRequest.values()) {
            requestIds[i] = record.requestId().value();
            keyIds[i] = keys.computeIfAbsent(record.keyId(), ApiKeyId::toString);
            models[i] = record.model();
            promptTokens[i] = record.promptTokens();
            completionTokens[i] = record.completionTokens();
            latencies[i] = record.latencyMillis();
            statuses[i] = record.status().wireName();
            occurredAtMicros[i] = micros(record.occurredAt());
            i++;
        }
        Argument keysToLock = binary(keys.values().toArray(String[]::new));
        Argument[] columns = {binary(requestIds), binary(keyIds), binary(models), binary(promptTokens),
                binary(completionTokens), binary(latencies), binary(statuses), binary(occurredAtMicros)};
        try {
            return write(keysToLock, columns, false);
        } catch (IllegalStateException alreadyWritten) {
            // A request id of this batch is in the ledger: the batch is being sent again after a flush whose outcome
            // was unclear (the unique violation wrote nothing). Only then is each row checked for a conflict.
            resentBatches.increment();
            return write(keysToLock, columns, true);
        }
    }

    private int write(Argument keysToLock, Argument[] c, boolean skipWritten) {
        return database.inTransaction(handle -> {
            handle.createQuery(UsageSql.LOCK_KEYS).bind("keyIds", keysToLock).mapTo(String.class).list();
            return handle.createQuery(skipWritten ? UsageSql.APPEND : UsageSql.APPEND_NEW)
                    .bind("requestIds", c[0]).bind("keyIds", c[1]).bind("models", c[2]).bind("promptTokens", c[3])
                    .bind("completionTokens", c[4]).bind("latencies", c[5]).bind("statuses", c[6])
                    .bind("occurredAtMicros", c[7])
                    .mapTo(Integer.class).one();
        });
    }

    /** Microseconds since the epoch, PostgreSQL's precision (the nanoseconds below are dropped). */
    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** Batches that held a request id already written (sent again after an unclear flush), since start. */
    public long resentBatches() {
        return resentBatches.sum();
    }

    /**
     * A column of the batch as the driver's binary array ({@code text[]}, {@code int8[]}): a flush of thousands of
     * events then spends neither the gateway's CPU on quoting each element into an array literal nor PostgreSQL's on
     * parsing it back ({@code array_in} was a tenth of PostgreSQL's time in a load run).
     */
    private static Argument binary(Object primitiveOrStringArray) {
        return (position, statement, context) -> statement.setObject(position, primitiveOrStringArray);
    }

    @Override
    public List<HourlyUsage> hourly(Optional<ApiKeyId> key, Instant fromHour, Instant toHour) {
        List<UsageSql.Hour> hours = database.withHandle(handle -> {
            UsageSql sql = handle.attach(UsageSql.class);
            return key.isPresent()
                    ? sql.hoursOfKey(key.get().value(), fromHour, toHour)
                    : sql.hoursOfAllKeys(fromHour, toHour);
        });
        return hours.stream().map(hour -> new HourlyUsage(hour.hour(), hour.requests(), hour.tokens())).toList();
    }

    @Override
    public UsageSummary summary(Optional<ApiKeyId> key, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return UsageSummary.empty();
        }
        Instant firstWholeHour = from.truncatedTo(ChronoUnit.HOURS).equals(from)
                ? from : from.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
        Instant endOfWholeHours = to.truncatedTo(ChronoUnit.HOURS);
        boolean wholeHours = firstWholeHour.isBefore(endOfWholeHours);
        Instant hoursFrom = wholeHours ? firstWholeHour : from;
        Instant hoursTo = wholeHours ? endOfWholeHours : from;
        Instant headTo = wholeHours ? firstWholeHour : to;
        Instant tailFrom = wholeHours ? endOfWholeHours : to;
        UsageSql.Totals totals = database.withHandle(handle -> {
            UsageSql sql = handle.attach(UsageSql.class);
            return key.isPresent()
                    ? sql.totalsOfKey(key.get().value(), hoursFrom, hoursTo, from, headTo, tailFrom, to)
                    : sql.totalsOfAllKeys(hoursFrom, hoursTo, from, headTo, tailFrom, to);
        });
        return totals.requests() == 0 ? UsageSummary.empty()
                : new UsageSummary(totals.requests(), totals.tokens(), (double) totals.latencyMs() / totals.requests());
    }

    @Override
    public long tokensUsed(ApiKeyId key, YearMonth month) {
        Instant from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        return database.withHandle(handle -> handle.attach(UsageSql.class).tokensOfKey(key.value(), from, to));
    }
}
