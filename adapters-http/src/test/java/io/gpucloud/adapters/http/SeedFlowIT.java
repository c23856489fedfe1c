package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;

import static io.gpucloud.adapters.http.TestServer.ADMIN_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed product's verification flow, end to end over a socket. */
class SeedFlowIT {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void seedFlow_healthCreateKeyChatStreamListRevoke_behavesAsTheSeed() throws Exception {
        Http http = server.http;

        HttpResponse<String> health = http.get("/health", null);
        assertEquals(200, health.statusCode());
        assertEquals("ok", Http.json(health).get("status").asText());

        HttpResponse<String> created = http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"Test\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode key = Http.json(created);
        String secret = key.get("key").asText();
        String id = key.get("id").asText();
        assertTrue(secret.startsWith("sk-"), secret);

        HttpResponse<String> chat = http.post("/v1/chat/completions", secret, Http.chat("gpt-3.5-turbo", "Hello"));
        assertEquals(200, chat.statusCode(), chat.body());
        JsonNode completion = Http.json(chat);
        assertEquals("chat.completion", completion.get("object").asText());
        assertFalse(completion.get("choices").get(0).get("message").get("content").asText().isEmpty());
        assertTrue(completion.get("usage").get("total_tokens").asLong() > 0);

        HttpResponse<Stream<String>> stream = http.postStreaming("/v1/chat/completions", secret,
                Http.chatStream("gpt-3.5-turbo", "Hello", false));
        assertEquals(200, stream.statusCode());
        List<String> lines = stream.body().toList();
        assertEquals("data: [DONE]", lines.stream().filter(line -> !line.isEmpty()).toList().getLast());

        JsonNode listed = Polling.until(() -> Http.json(http.get("/api/keys", ADMIN_TOKEN)),
                keys -> keys.get("keys").get(0).get("usageCount").asLong() == 2, "usageCount reaches 2");
        JsonNode entry = listed.get("keys").get(0);
        assertEquals(id, entry.get("id").asText());
        assertFalse(entry.has("key"), "the secret is shown only at creation");
        assertFalse(entry.get("lastUsedAt").isNull());

        JsonNode metrics = Http.json(http.get("/api/metrics?hours=24", ADMIN_TOKEN));
        assertEquals(2, metrics.get("summary").get("totalRequests").asLong());
        assertEquals(24, metrics.get("timeSeries").size());

        assertEquals(204, http.delete("/api/keys/" + id, ADMIN_TOKEN).statusCode());
        HttpResponse<String> refused = http.post("/v1/chat/completions", secret, Http.chat("gpt-3.5-turbo", "Hello"));
        assertEquals(401, refused.statusCode());
        assertEquals("invalid_api_key", Http.json(refused).get("error").get("code").asText());
    }
}
