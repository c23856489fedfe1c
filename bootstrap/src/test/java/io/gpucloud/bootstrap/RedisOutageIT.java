package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.redis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis stops mid-run and comes back: the documented policy, never a 5xx beyond it, exact limits again after. */
class RedisOutageIT {
    private TestRedis.Embedded redis;
    private ApiServer server;

    @AfterEach
    void stopEverything() {
        if (server != null) {
            server.stop();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    private ApiServer startWithPrivateRedis(String policy) {
        redis = TestRedis.startPrivate();
        Map<String, String> env = new HashMap<>(Instances.environment(TestDatabase.createDatabase(), redis.url(), "outage:"));
        env.put("QUOTA_WHEN_REDIS_DOWN", policy);
        server = Instances.startReady(env);
        return server;
    }

    private String newKey(String limitsJson) {
        HttpResponse<String> created = Instances.post(server, "/api/keys", ADMIN, "{\"name\":\"outage\"" + limitsJson + "}");
        assertEquals(201, created.statusCode(), created.body());
        return Instances.field(created.body(), "key");
    }

    private static int admitted(ApiServer server, String key, int attempts) {
        int ok = 0;
        for (int i = 0; i < attempts; i++) {
            HttpResponse<String> response = Instances.chat(server, key, ",\"max_tokens\":1");
            assertTrue(response.statusCode() == 200 || response.statusCode() == 429, response.statusCode() + " " + response.body());
            ok += response.statusCode() == 200 ? 1 : 0;
        }
        return ok;
    }

    @Test
    void localPolicy_keepsServingWithoutA5xxAndIsExactAgainOnceRedisIsBack() {
        startWithPrivateRedis("local");
        String key = newKey(",\"rpm\":5");
        assertEquals(5, admitted(server, key, 8));

        redis.stop();
        Instances.await(Duration.ofSeconds(15), () -> Instances.get(server, "/health", null).body().contains("\"redis\":\"down\""));
        assertEquals(503, Instances.get(server, "/health", null).statusCode());
        String duringOutage = newKey(",\"rpm\":3");
        assertEquals(3, admitted(server, duringOutage, 6), "the in-process limiter enforces the limit meanwhile");
        assertTrue(Instances.get(server, "/metrics", null).body().contains("gpucloud_quota_local_fallbacks_total"));

        redis.start();
        Instances.await(Duration.ofSeconds(20), () -> Instances.get(server, "/health", null).statusCode() == 200);
        String afterwards = newKey(",\"rpm\":4");
        assertEquals(4, admitted(server, afterwards, 7));
    }

    @Test
    void refusePolicy_answers503WithRetryAfterWhileRedisIsDown() {
        startWithPrivateRedis("refuse");
        String key = newKey(",\"rpm\":50");
        assertEquals(200, Instances.chat(server, key, "").statusCode());

        redis.stop();
        Instances.await(Duration.ofSeconds(15), () -> Instances.get(server, "/health", null).body().contains("\"redis\":\"down\""));
        HttpResponse<String> refused = Instances.chat(server, key, "");
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("retry-after").isPresent());
        assertTrue(refused.body().contains("\"type\":\"server_error\""), refused.body());

        redis.start();
        Instances.await(Duration.ofSeconds(20), () -> Instances.chat(server, key, "").statusCode() == 200);
    }
}
