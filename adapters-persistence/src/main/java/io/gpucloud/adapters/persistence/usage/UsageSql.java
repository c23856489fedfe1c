package io.gpucloud.adapters.persistence.usage;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Batches travel as one array per column ({@code unnest}): one statement and one plan whatever the batch
 * size, no limit on bound parameters. A flush locks its keys first, in id order, then writes events and
 * hourly rows in key order, so concurrent flushes always lock in the same order and cannot deadlock.
 */
@RegisterConstructorMapper(UsageSql.Hour.class)
@RegisterConstructorMapper(UsageSql.Totals.class)
interface UsageSql {

    record Hour(Instant hour, long requests, long tokens) {
    }

    record Totals(long requests, long tokens, long latencyMs) {
    }

    /**
     * The batch's rows, in request id order (the primary key's order: its index grows at the right edge). Times travel
     * as microseconds since the epoch: parsing each from text was ~0.5 µs of PostgreSQL's CPU per row, the arithmetic
     * ~0.04 µs.
     */
    String BATCH_ROWS = """
            WITH added AS (
                INSERT INTO usage_events (request_id, key_id, model, prompt_tokens, completion_tokens, latency_ms,
                                          status, occurred_at)
                SELECT request_id, key_id, model, prompt_tokens, completion_tokens, latency_ms, status,
                       timestamptz 'epoch' + occurred_us * interval '1 microsecond'
                  FROM unnest(:requestIds::text[], :keyIds::uuid[], :models::text[], :promptTokens::bigint[],
                              :completionTokens::bigint[], :latencies::bigint[], :statuses::text[],
                              :occurredAtMicros::bigint[])
                       AS batch(request_id, key_id, model, prompt_tokens, completion_tokens, latency_ms, status,
                                occurred_us)
                 ORDER BY 1
            """;

    /** From the rows inserted: the hourly roll-up and the keys' counts, then how many rows were inserted. */
    String ROLL_UP = """
                RETURNING key_id, occurred_at, prompt_tokens + completion_tokens AS tokens, latency_ms
            ), hours AS (
                INSERT INTO usage_hourly (key_id, hour, request_count, token_count, latency_ms_sum)
                SELECT key_id, date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                       count(*), sum(tokens), sum(latency_ms)
                  FROM added
                 GROUP BY 1, 2
                 ORDER BY 1, 2
                ON CONFLICT (key_id, hour) DO UPDATE SET
                    request_count  = usage_hourly.request_count + excluded.request_count,
                    token_count    = usage_hourly.token_count + excluded.token_count,
                    latency_ms_sum = usage_hourly.latency_ms_sum + excluded.latency_ms_sum
            ), keys AS (
                UPDATE api_keys AS k
                   SET usage_count = k.usage_count + u.uses,
                       last_used_at = greatest(k.last_used_at, u.last_used)
                  FROM (SELECT key_id, count(*) AS uses, max(occurred_at) AS last_used
                          FROM added GROUP BY key_id) AS u
                 WHERE k.id = u.key_id
            )
            SELECT count(*) FROM added
            """;

    /**
     * Writes a batch none of whose request ids is in the ledger, in one statement: the events, their hourly roll-up
     * and their keys' {@code usage_count}/{@code last_used_at}, aggregated by PostgreSQL from the inserted rows
     * themselves (no rows travel back to be summed here). Fails with a unique violation, writing nothing, when one
     * of the ids is there already. Hours are whole UTC hours whatever the session's time zone. Answers how many
     * rows were inserted. Run as a plain statement rather than through this interface: attaching it to a handle
     * for every flush was a fifth of the flusher's CPU.
     */
    String APPEND_NEW = BATCH_ROWS + ROLL_UP;

    /**
     * As {@link #APPEND_NEW}, skipping the events whose request id is in the ledger already ({@code ON CONFLICT DO
     * NOTHING}: PostgreSQL checks the primary key before each row, so it costs more); answers how many were new.
     */
    String APPEND = BATCH_ROWS + "    ON CONFLICT (request_id) DO NOTHING\n" + ROLL_UP;

    /**
     * Taken first, in id order, so that concurrent flushes (other instances) never wait on each other in a cycle.
     * {@code :keyIds} is a {@code text[]} of the keys' ids.
     */
    String LOCK_KEYS = "SELECT id FROM api_keys WHERE id = ANY(:keyIds::uuid[]) ORDER BY id FOR UPDATE";

    @SqlQuery("""
            SELECT hour, request_count AS requests, token_count AS tokens
              FROM usage_hourly
             WHERE key_id = :keyId AND hour >= :from AND hour < :to
             ORDER BY hour
            """)
    List<Hour> hoursOfKey(@Bind("keyId") UUID keyId, @Bind("from") Instant from, @Bind("to") Instant to);

    @SqlQuery("""
            SELECT hour, sum(request_count)::bigint AS requests, sum(token_count)::bigint AS tokens
              FROM usage_hourly
             WHERE hour >= :from AND hour < :to
             GROUP BY hour
             ORDER BY hour
            """)
    List<Hour> hoursOfAllKeys(@Bind("from") Instant from, @Bind("to") Instant to);

    /** Whole hours from the roll-up, the partial hours at either end from the events. */
    @SqlQuery("""
            SELECT coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(tokens), 0)::bigint AS tokens,
                   coalesce(sum(latency), 0)::bigint AS latency_ms
              FROM (SELECT request_count AS requests, token_count AS tokens, latency_ms_sum AS latency
                      FROM usage_hourly
                     WHERE key_id = :keyId AND hour >= :hoursFrom AND hour < :hoursTo
                    UNION ALL
                    SELECT 1, prompt_tokens + completion_tokens, latency_ms
                      FROM usage_events
                     WHERE key_id = :keyId
                       AND ((occurred_at >= :headFrom AND occurred_at < :headTo)
                            OR (occurred_at >= :tailFrom AND occurred_at < :tailTo))) AS usage
            """)
    Totals totalsOfKey(@Bind("keyId") UUID keyId, @Bind("hoursFrom") Instant hoursFrom, @Bind("hoursTo") Instant hoursTo,
                       @Bind("headFrom") Instant headFrom, @Bind("headTo") Instant headTo,
                       @Bind("tailFrom") Instant tailFrom, @Bind("tailTo") Instant tailTo);

    @SqlQuery("""
            SELECT coalesce(sum(requests), 0)::bigint AS requests, coalesce(sum(tokens), 0)::bigint AS tokens,
                   coalesce(sum(latency), 0)::bigint AS latency_ms
              FROM (SELECT request_count AS requests, token_count AS tokens, latency_ms_sum AS latency
                      FROM usage_hourly
                     WHERE hour >= :hoursFrom AND hour < :hoursTo
                    UNION ALL
                    SELECT 1, prompt_tokens + completion_tokens, latency_ms
                      FROM usage_events
                     WHERE (occurred_at >= :headFrom AND occurred_at < :headTo)
                        OR (occurred_at >= :tailFrom AND occurred_at < :tailTo)) AS usage
            """)
    Totals totalsOfAllKeys(@Bind("hoursFrom") Instant hoursFrom, @Bind("hoursTo") Instant hoursTo,
                           @Bind("headFrom") Instant headFrom, @Bind("headTo") Instant headTo,
                           @Bind("tailFrom") Instant tailFrom, @Bind("tailTo") Instant tailTo);

    @SqlQuery("""
            SELECT coalesce(sum(token_count), 0)::bigint
              FROM usage_hourly
             WHERE key_id = :keyId AND hour >= :from AND hour < :to
            """)
    long tokensOfKey(@Bind("keyId") UUID keyId, @Bind("from") Instant from, @Bind("to") Instant to);
}
