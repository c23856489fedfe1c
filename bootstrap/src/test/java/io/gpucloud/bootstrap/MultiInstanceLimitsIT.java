package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two API instances on one PostgreSQL and one Redis: limits hold across both, revocation reaches both. */
class MultiInstanceLimitsIT {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisUrl redis;
    private static ApiServer first;
    private static ApiServer second;

    @BeforeAll
    static void startTwoInstances() {
        redis = TestRedis.url();
        Map<String, String> env = Instances.environment(TestDatabase.createDatabase(), redis, PREFIX);
        first = Instances.startReady(env);
        second = Instances.startReady(env);
    }

    @AfterAll
    static void stopBoth() {
        first.stop();
        second.stop();
        TestRedis.deleteKeys(redis, PREFIX);
    }

    private record Issued(String id, String key) {
    }

    private static Issued issue(String limitsJson) {
        HttpResponse<String> created = Instances.post(first, "/api/keys", ADMIN, "{\"name\":\"limits\"" + limitsJson + "}");
        assertEquals(201, created.statusCode(), created.body());
        return new Issued(Instances.field(created.body(), "id"), Instances.field(created.body(), "key"));
    }

    private static String newKey(String limitsJson) {
        return issue(limitsJson).key();
    }

    @Test
    void rpm_thousandConcurrentRequestsOverBothInstances_admitExactlyTheLimit() throws Exception {
        String key = newKey(",\"rpm\":100");
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        AtomicInteger limitedWithRetryAfter = new AtomicInteger();
        List<String> unexpected = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(50)) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                ApiServer target = i % 2 == 0 ? first : second;
                calls.add(threads.submit(() -> {
                    HttpResponse<String> response = Instances.chat(target, key, ",\"max_tokens\":1");
                    switch (response.statusCode()) {
                        case 200 -> ok.incrementAndGet();
                        case 429 -> {
                            limited.incrementAndGet();
                            if (response.headers().firstValue("retry-after").isPresent()
                                    && response.body().contains("rate_limit_exceeded")) {
                                limitedWithRetryAfter.incrementAndGet();
                            }
                        }
                        default -> {
                            synchronized (unexpected) {
                                unexpected.add(response.statusCode() + " " + response.body());
                            }
                        }
                    }
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        }
        assertTrue(unexpected.isEmpty(), unexpected.toString());
        assertEquals(100, ok.get());
        assertEquals(900, limited.get());
        assertEquals(900, limitedWithRetryAfter.get());
    }

    @Test
    void budget_onceSpent_staysRefusedOnBothInstancesEvenAfterRedisLosesItsCounters() {
        String key = newKey(",\"monthlyTokenBudget\":300");
        int admitted = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            HttpResponse<String> response = Instances.chat(i % 2 == 0 ? first : second, key, ",\"max_tokens\":20");
            if (response.statusCode() == 200) {
                admitted++;
            } else {
                refused = response;
            }
        }
        assertTrue(admitted > 0);
        assertEquals(429, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("insufficient_quota"), refused.body());
        assertEquals(429, Instances.chat(first, key, "").statusCode());
        assertEquals(429, Instances.chat(second, key, "").statusCode());

        // Wait for the usage to reach PostgreSQL, then make Redis forget this run's counters.
        int expectedUses = admitted;
        Instances.await(Duration.ofSeconds(10), () -> Instances.get(first, "/api/keys", ADMIN).body()
                .contains("\"usageCount\":" + expectedUses));
        TestRedis.deleteKeys(redis, PREFIX);
        assertEquals(429, Instances.chat(first, key, "").statusCode());
        assertEquals(429, Instances.chat(second, key, "").statusCode());
    }

    @Test
    void revoke_onOneInstance_refusesTheVeryNextRequestOnTheOther() {
        Issued issued = issue("");
        String key = issued.key();
        assertEquals(200, Instances.chat(second, key, "").statusCode());
        assertEquals(200, Instances.chat(first, key, "").statusCode());
        assertEquals(204, Instances.delete(first, "/api/keys/" + issued.id(), ADMIN).statusCode());
        // The 204 waits until the other instance confirmed it dropped the key: no grace period.
        HttpResponse<String> next = Instances.chat(second, key, "");
        assertEquals(401, next.statusCode(), next.body());
        assertTrue(next.body().contains("invalid_api_key"));
    }
}
