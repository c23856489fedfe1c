package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.redis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 11: Redis hangs ({@code CLIENT PAUSE}, {@code DEBUG SLEEP}) and restarts empty — on a private
 * embedded Redis, never the shared one. Under load, with {@code QUOTA_WHEN_REDIS_DOWN=local}: no 5xx, no answer
 * later than the Redis command timeout (2 s) plus a little, no pile-up of threads; after an empty restart a spent
 * budget stays spent (rebuilt from PostgreSQL's ledger) and limits are exact again.
 */
class RedisHangIT {
    /** RedisConnection.Settings.DEFAULT's command timeout: the most a hanging Redis may add to a call. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SLACK = Duration.ofMillis(1_500);

    private TestRedis.Embedded redis;
    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    private String newKey(String limits) {
        HttpResponse<String> created = Instances.post(server, "/api/keys", ADMIN, "{\"name\":\"redis hang\"" + limits + "}");
        assertEquals(201, created.statusCode(), created.body());
        return Instances.field(created.body(), "key");
    }

    private static java.util.Set<String> names() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    /**
     * The JVM's platform threads but the load generator's HTTP client workers (a closed-loop client's own, not the
     * server's). Blocking work runs on virtual threads, which cannot pile up here: the load is closed-loop.
     */
    private static int platformThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("HttpClient-")).count();
    }

    @Test
    void hangsAndAnEmptyRestart_noFiveHundreds_boundedLatency_flatThreads_budgetsKept() throws Exception {
        redis = TestRedis.startPrivate();
        Map<String, String> env = new HashMap<>(Instances.environment(TestDatabase.createDatabase(), redis.url(), "hang:"));
        env.put("QUOTA_WHEN_REDIS_DOWN", "local");
        server = Instances.startReady(env);
        List<String> keys = List.of(newKey(",\"rpm\":1000000"), newKey(",\"tpm\":100000000"), newKey(""));
        Duration hang = Chaos.seconds("redisHangSeconds", 3, 4, 30);

        try (LoadGenerator warm = new LoadGenerator(server.port(), keys, 4, Duration.ofSeconds(30))) {
            Instances.await(Duration.ofSeconds(30), () -> warm.totalOk() > 500);
            warm.stop();
            Chaos.report("redis healthy: p50 %.1f ms, p99 %.1f ms, max %.1f ms", warm.latencyMillis(0.5),
                    warm.latencyMillis(0.99), warm.latencyMillis(1.0));
        }
        hangUnderLoad("CLIENT PAUSE", keys, hang, commands -> commands.clientPause(hang.toMillis()));
        hangUnderLoad("DEBUG SLEEP", keys, hang, commands -> commands.dispatch(io.lettuce.core.protocol.CommandType.DEBUG,
                new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("SLEEP").add(hang.toSeconds())));

        // Restarted empty: budgets are not handed out afresh.
        String budgeted = newKey(",\"monthlyTokenBudget\":60");
        int served = 0;
        while (Instances.chat(server, budgeted, ",\"max_tokens\":5").statusCode() == 200) {
            served++;
            assertTrue(served < 100, "the budget of 60 tokens never ran out");
        }
        HttpResponse<String> spent = Instances.chat(server, budgeted, ",\"max_tokens\":5");
        assertEquals(429, spent.statusCode());
        assertTrue(spent.body().contains("insufficient_quota"), spent.body());
        Instances.await(Duration.ofSeconds(10), () -> server.platform().usageRecorder().orElseThrow().pending() == 0);
        redis.stop();
        redis.start();
        Instances.await(Duration.ofSeconds(30), () -> Instances.get(server, "/health", null).statusCode() == 200);
        HttpResponse<String> afterRestart = Instances.chat(server, budgeted, ",\"max_tokens\":5");
        assertEquals(429, afterRestart.statusCode(), "a flushed Redis handed the budget out again: " + afterRestart.body());
        assertTrue(afterRestart.body().contains("insufficient_quota"), afterRestart.body());
        String limited = newKey(",\"rpm\":4");
        int admitted = 0;
        for (int i = 0; i < 7; i++) {
            admitted += Instances.chat(server, limited, ",\"max_tokens\":1").statusCode() == 200 ? 1 : 0;
        }
        assertEquals(4, admitted, "exact limits are back");
        Chaos.report("redis restarted empty: spent budget still 429 insufficient_quota, rpm=4 admits exactly 4 of 7");
    }

    private void hangUnderLoad(String how, List<String> keys, Duration hang,
                               Consumer<io.lettuce.core.api.sync.RedisCommands<String, String>> hangIt)
            throws Exception {
        int peakThreads;
        int threadsBefore = 0;
        java.util.Set<String> added = new java.util.TreeSet<>();
        try (LoadGenerator load = new LoadGenerator(server.port(), keys, 8, hang.plusSeconds(60))) {
            Instances.await(Duration.ofSeconds(30), () -> load.totalOk() > 100);
            // Platform threads under the same load with Redis healthy (the load generator's own included).
            for (int i = 0; i < 10; i++) {
                threadsBefore = Math.max(threadsBefore, platformThreads());
                Thread.sleep(50);
            }
            Thread hanger = Thread.ofPlatform().start(() -> TestRedis.withCommands(redis.url(), hangIt));
            peakThreads = platformThreads();
            long until = System.nanoTime() + hang.plusSeconds(1).toNanos();
            java.util.Set<String> namesBefore = names();
            while (System.nanoTime() < until) {
                peakThreads = Math.max(peakThreads, platformThreads());
                java.util.Set<String> now = names();
                now.removeAll(namesBefore);
                added.addAll(now);
                Thread.sleep(50);
            }
            hanger.join(hang.plusSeconds(10));
            long okAfter = load.totalOk();
            Instances.await(Duration.ofSeconds(30), () -> load.totalOk() > okAfter + 100);
            load.stop();
            Chaos.report("redis %s %ds under load: statuses %s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, platform threads "
                            + "%d before, peak %d", how, hang.toSeconds(), load.statuses(), load.latencyMillis(0.5),
                    load.latencyMillis(0.99), load.latencyMillis(1.0), threadsBefore, peakThreads);
            assertEquals(0, load.failures(), load.lastFailure());
            assertTrue(load.totalUnanswered() <= Math.max(3, load.totalOk() / 5_000), load.lastUnanswered());
            assertTrue(load.statuses().keySet().stream().allMatch(status -> status == 200),
                    "only 200s with the local policy: " + load.statuses() + " " + load.lastFailure());
            assertTrue(load.latencyMillis(1.0) < COMMAND_TIMEOUT.plus(SLACK).toMillis(),
                    "a call waited " + load.latencyMillis(1.0) + " ms on a hanging Redis");
        }
        // The thread that hangs Redis and its own Lettuce client's threads (event loop, timer, executors): up to 6.
        assertTrue(peakThreads <= threadsBefore + 6, "threads piled up: " + threadsBefore + " -> " + peakThreads + ": " + added);
    }
}
