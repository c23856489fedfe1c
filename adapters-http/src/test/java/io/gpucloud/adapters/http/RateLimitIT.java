package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RateWindow;
import io.gpucloud.domain.quota.RefusalReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quota refusals and engine failures as OpenAI's errors and headers. */
class RateLimitIT {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void unscript() {
        server.quota.unscript();
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.NORMAL);
    }

    private static Limits rpm(long requestsPerMinute) {
        return new Limits(OptionalLong.of(requestsPerMinute), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(),
                Set.of(), Optional.empty());
    }

    @Test
    void rpmSpent_is429RequestsWithRetryAfterAndZeroRemaining() {
        String key = server.newKey(rpm(2));
        HttpResponse<String> first = server.http.post("/v1/chat/completions", key, Http.chat("gpt-4", "one"));
        assertEquals(200, first.statusCode());
        assertEquals("2", first.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("1", first.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertFalse(first.headers().firstValue("x-ratelimit-limit-tokens").isPresent(), "no tpm limit, no tpm headers");
        assertEquals(200, server.http.post("/v1/chat/completions", key, Http.chat("gpt-4", "two")).statusCode());

        HttpResponse<String> refused = server.http.post("/v1/chat/completions", key, Http.chat("gpt-4", "three"));
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = Http.json(refused).get("error");
        assertEquals("requests", error.get("type").asText());
        assertEquals("rate_limit_exceeded", error.get("code").asText());
        assertTrue(Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow()) >= 1);
        assertEquals("0", refused.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertTrue(refused.headers().firstValue("x-ratelimit-reset-requests").orElseThrow().matches("([0-9]+m)?[0-9.]+m?s"));
    }

    @Test
    void unlimitedKey_getsNoRateLimitHeaders() {
        HttpResponse<String> response = server.http.post("/v1/chat/completions", server.newKey(), Http.chat("gpt-4", "x"));
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().map().keySet().stream().noneMatch(name -> name.startsWith("x-ratelimit")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "REQUESTS, 429, requests, rate_limit_exceeded",
            "TOKENS, 429, tokens, rate_limit_exceeded",
            "CONCURRENCY, 429, requests, rate_limit_exceeded",
            "BUDGET, 429, insufficient_quota, insufficient_quota",
            "UNAVAILABLE, 503, server_error, engine_unavailable",
    })
    void refusal_mapsToOpenAiErrors_forCompletionsAndStreams(RefusalReason reason, int status, String type, String code) {
        RateLimitSnapshot snapshot = new RateLimitSnapshot(Optional.of(new RateWindow(60, 0, Duration.ofMillis(59_500))),
                Optional.of(new RateWindow(90_000, 0, Duration.ofMinutes(6))));
        server.quota.script(request -> Optional.of(new Admission.Refused(reason, Duration.ofMillis(2_500), snapshot)));
        String key = server.newKey();
        int meteredBefore = server.usage.records().size();
        for (String body : new String[] {Http.chat("gpt-4", "x"), Http.chatStream("gpt-4", "x", true)}) {
            HttpResponse<String> response = server.http.post("/v1/chat/completions", key, body);
            assertEquals(status, response.statusCode(), response.body());
            JsonNode error = Http.json(response).get("error");
            assertEquals(type, error.get("type").asText());
            assertEquals(code, error.get("code").asText());
            assertEquals("3", response.headers().firstValue("retry-after").orElseThrow(), "2.5 s rounds up");
            assertEquals("60", response.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
            assertEquals("0", response.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
            assertEquals("59.5s", response.headers().firstValue("x-ratelimit-reset-requests").orElseThrow());
            assertEquals("6m0s", response.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow());
        }
        assertEquals(meteredBefore, server.usage.records().size(), "refused calls are not metered");
    }

    @Test
    void engineFailures_mapToTheirStatus() {
        String key = server.newKey();
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.UPSTREAM_REJECTS);
        HttpResponse<String> rejected = server.http.post("/v1/chat/completions", key, Http.chat(TestServer.SCRIPTED_MODEL, "x"));
        assertEquals(400, rejected.statusCode());
        assertTrue(Http.json(rejected).get("error").get("message").asText().contains("logit_bias"));

        server.scriptedEngine.behave(ScriptedEngine.Behaviour.UPSTREAM_TIMES_OUT);
        assertEquals(504, server.http.post("/v1/chat/completions", key, Http.chat(TestServer.SCRIPTED_MODEL, "x")).statusCode());
        assertEquals(504, server.http.post("/v1/chat/completions", key, Http.chatStream(TestServer.SCRIPTED_MODEL, "x", false))
                .statusCode());

        server.scriptedEngine.behave(ScriptedEngine.Behaviour.FAIL_BEFORE_FIRST_TOKEN);
        HttpResponse<String> down = server.http.post("/v1/chat/completions", key, Http.chat(TestServer.SCRIPTED_MODEL, "x"));
        assertEquals(503, down.statusCode());
        assertEquals("engine_unavailable", Http.json(down).get("error").get("code").asText());
        assertEquals("3", down.headers().firstValue("retry-after").orElseThrow());
    }
}
