package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import io.gpucloud.application.usage.BatchingUsageRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 10: PostgreSQL goes away under load — cut (connections reset, new ones refused) and paused (a
 * partition: connections hang) — through a fault proxy of ours between the server and PostgreSQL. Cached keys keep
 * being served without a single non-200, the usage buffer holds what cannot be written (bounded, nothing dropped),
 * and after recovery the ledger's per-key counts equal the load generator's own count of 200s exactly.
 *
 * <p>Normal run: a 4 s cut. {@code scripts/chaos.sh --short}: 8 s cut and 6 s pause; long mode: 60 s each.
 */
class PostgresOutageIT {
    private FaultProxy proxy;
    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void cut_cachedKeysKeepWorking_andEveryCallIsInTheLedgerOnceItIsBack() throws Exception {
        run("cut", Chaos.seconds("pgCutSeconds", 4, 8, 60));
    }

    @Test
    void pause_cachedKeysKeepWorking_andEveryCallIsInTheLedgerOnceItIsBack() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(!Chaos.MODE.equals("fast"), "the pause runs in scripts/chaos.sh");
        run("pause", Chaos.seconds("pgPauseSeconds", 5, 6, 60));
    }

    private void run(String fault, Duration outage) throws Exception {
        DatabaseUrl direct = TestDatabase.createDatabase();
        proxy = new FaultProxy(direct.host(), direct.port());
        DatabaseUrl proxied = new DatabaseUrl("127.0.0.1", proxy.port(), direct.database(), direct.user(), direct.password(),
                direct.parameters());
        Map<String, String> env = new HashMap<>(Instances.environment(proxied, null, null));
        env.put("KEY_CACHE_TTL_SECONDS", Long.toString(outage.toSeconds() + 120));
        env.put("USAGE_BUFFER_CAPACITY", "1000000");
        server = Instances.startReady(env);
        BatchingUsageRecorder usage = server.platform().usageRecorder().orElseThrow();

        List<String> keys = new ArrayList<>();
        Map<String, String> idOf = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> created = Instances.post(server, "/api/keys", ADMIN, "{\"name\":\"pg outage " + i + "\"}");
            assertEquals(201, created.statusCode(), created.body());
            String secret = Instances.field(created.body(), "key");
            keys.add(secret);
            idOf.put(secret, Instances.field(created.body(), "id"));
        }
        // Every key used once before the outage, so that it is cached: the guarantee is for cached keys.
        for (String key : keys) {
            assertEquals(200, Instances.chat(server, key, ",\"max_tokens\":3").statusCode());
        }

        long maxPending = 0;
        long failedFlushesBefore = usage.failedFlushes();
        LoadGenerator load = new LoadGenerator(server.port(), keys, 4, outage.plusMinutes(3));
        try {
            awaitOk(load, 200);
            if (fault.equals("cut")) {
                proxy.cut();
            } else {
                proxy.pause();
            }
            long okBefore = load.totalOk();
            long until = System.nanoTime() + outage.toNanos();
            while (System.nanoTime() < until) {
                maxPending = Math.max(maxPending, usage.pending());
                Thread.sleep(50);
            }
            long servedDuringOutage = load.totalOk() - okBefore;
            proxy.heal();
            long okAtHeal = load.totalOk();
            awaitOk(load, okAtHeal + 200);
            load.stop();
            Chaos.report("postgres %s %ds: %d calls served during the outage (%.0f/s), usage buffer peak %d records, "
                            + "dropped %d, statuses %s, p50 %.1f ms, p99 %.1f ms, max %.1f ms", fault, outage.toSeconds(),
                    servedDuringOutage, servedDuringOutage / (double) outage.toSeconds(), maxPending, usage.dropped(),
                    load.statuses(), load.latencyMillis(0.5), load.latencyMillis(0.99), load.latencyMillis(1.0));
            assertTrue(servedDuringOutage > 0, "cached keys were served while PostgreSQL was away");
        } finally {
            load.stop();
        }
        // A cut fails the writes (and they are retried); a pause makes them wait (the socket timeout is 60 s).
        assertTrue(fault.equals("pause") || usage.failedFlushes() > failedFlushesBefore, "the usage writes failed during the cut");
        assertEquals(Map.of(200, load.statuses().values().stream().mapToLong(Long::longValue).sum()), load.statuses(),
                "nothing but 200 for cached keys; last failure: " + load.lastFailure());
        assertEquals(0, load.failures(), load.lastFailure());
        long calls = load.totalOk() + load.totalUnanswered();
        assertTrue(load.totalUnanswered() <= Math.max(3, calls / 5_000),
                load.totalUnanswered() + " of " + calls + " calls closed without an answer: " + load.lastUnanswered());
        assertTrue(maxPending > 0 && maxPending <= 1_000_000, "the buffer held the records, within its bound: " + maxPending);
        assertEquals(0, usage.dropped());

        Instances.await(Duration.ofSeconds(Math.max(90, outage.toSeconds() + 30)), () -> usage.pending() == 0);
        Database db = TestDatabase.open(direct);
        Map<String, Long> ledger = new HashMap<>();
        db.withHandle(handle -> handle.createQuery("SELECT key_id::text AS id, count(*) AS n FROM usage_events GROUP BY key_id")
                .map((rows, ctx) -> Map.entry(rows.getString("id"), rows.getLong("n"))).list())
                .forEach(entry -> ledger.put(entry.getKey(), entry.getValue()));
        long total = 0;
        long answeredTotal = 0;
        for (String key : keys) {
            String id = idOf.get(key);
            // Every answered call is in the ledger once; a call closed without an answer may be in it (never twice).
            long recorded = ledger.getOrDefault(id, 0L);
            long answered = load.ok(key) + 1; // 1 warm-up call
            assertTrue(recorded >= answered && recorded <= answered + load.unanswered(key),
                    "usage records of key " + id + ": " + recorded + ", answered " + answered + ", closed without an answer "
                            + load.unanswered(key));
            total += recorded;
            answeredTotal += answered;
        }
        long duplicates = db.withHandle(handle -> handle.createQuery(
                "SELECT count(*) - count(DISTINCT request_id) FROM usage_events").mapTo(Long.class).one());
        assertEquals(0, duplicates);
        Chaos.report("postgres %s %ds: ledger %d records over %d keys = the load generator's %d answered calls"
                        + " + %d of the %d closed without an answer; 0 duplicates",
                fault, outage.toSeconds(), total, keys.size(), answeredTotal, total - answeredTotal, load.totalUnanswered());
    }

    private static void awaitOk(LoadGenerator load, long atLeast) {
        Instances.await(Duration.ofSeconds(60), () -> load.totalOk() >= atLeast);
    }
}
