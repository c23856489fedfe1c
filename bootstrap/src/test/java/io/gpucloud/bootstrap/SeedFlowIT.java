package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static io.gpucloud.bootstrap.Instances.ADMIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed product's verification flow against the whole server with a real PostgreSQL and no Redis. */
class SeedFlowIT {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = Instances.startReady(Instances.environment(TestDatabase.createDatabase(), null, null));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void health_createKey_chat_stream_listShowsUsage_revoke_401() {
        HttpResponse<String> health = Instances.get(server, "/health", null);
        assertEquals(200, health.statusCode());
        assertEquals("{\"status\":\"ok\",\"services\":{\"database\":\"up\",\"redis\":\"disabled\"}}", health.body());

        HttpResponse<String> created = Instances.post(server, "/api/keys", ADMIN, "{\"name\":\"Test\"}");
        assertEquals(201, created.statusCode(), created.body());
        String key = Instances.field(created.body(), "key");
        String id = Instances.field(created.body(), "id");

        HttpResponse<String> chat = Instances.chat(server, key, "");
        assertEquals(200, chat.statusCode(), chat.body());
        assertTrue(chat.body().contains("\"object\":\"chat.completion\""));

        HttpResponse<String> stream = Instances.chat(server, key, ",\"stream\":true");
        assertEquals(200, stream.statusCode());
        assertTrue(stream.body().strip().endsWith("data: [DONE]"), stream.body());

        Instances.await(Duration.ofSeconds(10), () -> Instances.get(server, "/api/keys/" + id, ADMIN).body().contains("\"usageCount\":2"));
        HttpResponse<String> list = Instances.get(server, "/api/keys", ADMIN);
        assertTrue(list.body().contains("\"usageCount\":2") && !list.body().contains(key), list.body());
        HttpResponse<String> metrics = Instances.get(server, "/api/metrics?hours=1&apiKeyId=" + id, ADMIN);
        assertTrue(metrics.body().contains("\"totalRequests\":2"), metrics.body());
        String prometheus = Instances.get(server, "/metrics", null).body();
        assertTrue(prometheus.contains("\ngpucloud_usage_resent_batches_total 0\n"), prometheus);

        assertEquals(204, Instances.delete(server, "/api/keys/" + id, ADMIN).statusCode());
        HttpResponse<String> refused = Instances.chat(server, key, "");
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("\"code\":\"invalid_api_key\""), refused.body());
    }
}
