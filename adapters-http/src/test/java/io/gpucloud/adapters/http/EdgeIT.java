package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.domain.health.ServiceState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every response carries: request ids, CORS, health, and the metrics. */
class EdgeIT {
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
    void requestId_wellFormedIsKept_otherwiseGenerated_onEveryResponse() {
        HttpResponse<String> kept = server.http.send(server.http.request("/health").header("x-request-id", "trace-42.a:b_c").GET());
        assertEquals("trace-42.a:b_c", kept.headers().firstValue("x-request-id").orElseThrow());

        HttpResponse<String> replaced = server.http.send(server.http.request("/health").header("x-request-id", "bad id <script>").GET());
        String generated = replaced.headers().firstValue("x-request-id").orElseThrow();
        assertNotEquals("bad id <script>", generated);
        assertTrue(generated.startsWith("req_"), generated);

        assertTrue(server.http.get("/nowhere", null).headers().firstValue("x-request-id").isPresent());
        assertTrue(server.http.post("/v1/chat/completions", "bad", "{}").headers().firstValue("x-request-id").isPresent());
        String first = server.http.get("/health", null).headers().firstValue("x-request-id").orElseThrow();
        String second = server.http.get("/health", null).headers().firstValue("x-request-id").orElseThrow();
        assertNotEquals(first, second);
    }

    @Test
    void corsPreflight_allowsAuthorizationAndContentTypeExplicitly() {
        HttpResponse<String> preflight = server.http.send(server.http.request("/v1/chat/completions")
                .header("Origin", "https://dashboard.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertEquals(204, preflight.statusCode());
        assertEquals("*", preflight.headers().firstValue("access-control-allow-origin").orElseThrow());
        String allowed = preflight.headers().firstValue("access-control-allow-headers").orElseThrow();
        assertTrue(allowed.contains("authorization") && allowed.contains("content-type") && allowed.contains("x-stainless-os"), allowed);
        assertTrue(preflight.headers().firstValue("access-control-allow-methods").orElseThrow().contains("POST"));

        HttpResponse<String> actual = server.http.send(server.http.request("/health").header("Origin", "https://dashboard.example").GET());
        assertEquals("*", actual.headers().firstValue("access-control-allow-origin").orElseThrow());
        String exposed = actual.headers().firstValue("access-control-expose-headers").orElseThrow();
        assertTrue(exposed.contains("x-request-id") && exposed.contains("x-ratelimit-remaining-requests"), exposed);
    }

    @Test
    void cors_withAConfiguredOriginList_echoesAllowedOriginsAndRefusesOthers() {
        try (TestServer strict = TestServer.start(config -> config.withCorsOrigins(List.of("https://app.example", "https://b.example")))) {
            HttpResponse<String> allowed = strict.http.send(strict.http.request("/api/keys").header("Origin", "https://b.example")
                    .header("Access-Control-Request-Method", "GET").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(204, allowed.statusCode());
            assertEquals("https://b.example", allowed.headers().firstValue("access-control-allow-origin").orElseThrow());
            assertTrue(allowed.headers().allValues("vary").contains("Origin"));

            HttpResponse<String> refused = strict.http.send(strict.http.request("/api/keys").header("Origin", "https://evil.example")
                    .header("Access-Control-Request-Method", "GET").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(403, refused.statusCode());
            assertFalse(refused.headers().firstValue("access-control-allow-origin").isPresent());
        }
    }

    @Test
    void health_reportsDegradedWhileTheDatabaseIsDown_andRecovers() {
        server.database.set(ServiceState.DOWN);
        try {
            HttpResponse<String> degraded = server.http.get("/health", null);
            assertEquals(503, degraded.statusCode());
            JsonNode body = Http.json(degraded);
            assertEquals("degraded", body.get("status").asText());
            assertEquals("down", body.get("services").get("database").asText());
            assertEquals("disabled", body.get("services").get("redis").asText());
        } finally {
            server.database.set(ServiceState.UP);
        }
        JsonNode ok = Http.json(server.http.get("/health", null));
        assertEquals("ok", ok.get("status").asText());
        assertEquals("up", ok.get("services").get("database").asText());
    }

    @Test
    void ready_is200WhenReadyElse503() {
        assertEquals("{\"ready\":true}", server.http.get("/ready", null).body());
        server.ready.set(false);
        try {
            HttpResponse<String> notReady = server.http.get("/ready", null);
            assertEquals(503, notReady.statusCode());
            assertEquals("{\"ready\":false}", notReady.body());
        } finally {
            server.ready.set(true);
        }
    }

    @Test
    void metrics_exposeRequestsLatencyTokensInFlightAndRegisteredGauges() {
        String key = server.newKey();
        assertEquals(200, server.http.post("/v1/chat/completions", key, Http.chat("gpt-4o", "count me")).statusCode());
        assertEquals(404, server.http.post("/v1/chat/completions", key, Http.chat("made-up-model", "x")).statusCode());
        server.metrics.gauge("gpucloud_usage_batch_lag_seconds", "Age of the oldest unwritten usage record.", () -> 0.25);
        server.metrics.counter("gpucloud_usage_dropped_total", "Usage records dropped.", () -> 3);
        assertThrows(IllegalArgumentException.class, () -> server.metrics.gauge("bad name", "x", () -> 1));
        assertThrows(IllegalArgumentException.class, () -> server.metrics.gauge("gpucloud_usage_batch_lag_seconds", "x", () -> 1));

        HttpResponse<String> scrape = Polling.until(() -> server.http.get("/metrics", null),
                response -> response.body().contains("model=\"gpt-4o\""), "the chat call is counted");
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        String text = scrape.body();
        assertTrue(text.contains("gpucloud_http_requests_total{route=\"/v1/chat/completions\",method=\"POST\",status=\"200\",model=\"gpt-4o\"} 1"), text);
        assertTrue(text.contains("status=\"404\",model=\"\"} 1"), "an unknown model is no label value: " + text);
        assertFalse(text.contains("made-up-model"));
        assertTrue(text.contains("gpucloud_http_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"}"), text);
        assertTrue(text.contains("gpucloud_tokens_total{model=\"gpt-4o\",type=\"completion\"}"), text);
        assertTrue(text.contains("gpucloud_http_requests_in_flight 1"), "the scrape itself is in flight: " + text);
        assertTrue(text.contains("# TYPE gpucloud_usage_batch_lag_seconds gauge\ngpucloud_usage_batch_lag_seconds 0.25"), text);
        assertTrue(text.contains("# TYPE gpucloud_usage_dropped_total counter\ngpucloud_usage_dropped_total 3"), text);
    }

    @Test
    void metrics_withAToken_requireIt() {
        try (TestServer guarded = TestServer.start(config -> config.withMetricsToken(Optional.of("scrape-secret")))) {
            assertEquals(401, guarded.http.get("/metrics", null).statusCode());
            assertEquals(401, guarded.http.get("/metrics", "wrong").statusCode());
            assertEquals(200, guarded.http.get("/metrics", "scrape-secret").statusCode());
        }
    }
}
