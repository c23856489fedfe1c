package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 9, item 9: what one request may cost is bounded, each bound a documented 400 (or 429 for concurrency):
 * {@code max_tokens} (the model's context), {@code n} (16), messages per request (2,048), content parts per message
 * (256), bytes per request ({@code MAX_BODY_BYTES}, 413, in BadInputIT), and calls in flight per key
 * ({@code maxConcurrent}).
 */
class RequestCostLimitsIT {
    private static TestServer server;
    private static String key;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.newKey();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode assert400(String body, String code, String param) {
        HttpResponse<String> response = server.http.post("/v1/chat/completions", key, body);
        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = Http.json(response).get("error");
        assertEquals(code, error.get("code").asText(), error.toString());
        assertEquals(param, error.get("param").isNull() ? null : error.get("param").asText(), error.toString());
        return error;
    }

    private static String messages(int count) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add("{\"role\":\"user\",\"content\":\"m\"}");
        }
        return "[" + String.join(",", all) + "]";
    }

    @Test
    void maxTokensBeyondTheModelsContext_is400ContextLengthExceeded() {
        assert400("{\"model\":\"gpt-4\",\"max_tokens\":2147483647,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "context_length_exceeded", "messages");
        assert400("{\"model\":\"gpt-4\",\"max_completion_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "context_length_exceeded", "messages");
    }

    @Test
    void moreThanSixteenChoices_is400() {
        assert400("{\"model\":\"gpt-4\",\"n\":17,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "integer_above_max_value", "n");
        assert400("{\"model\":\"gpt-4\",\"n\":1000000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "integer_above_max_value", "n");
    }

    @Test
    void moreThan2048Messages_is400_2048AreServed() {
        assert400("{\"model\":\"gpt-4o\",\"max_tokens\":1,\"messages\":" + messages(2_049) + "}", "array_above_max_length", "messages");
        assert400("{\"model\":\"gpt-4o\",\"max_tokens\":1,\"messages\":" + messages(20_000) + "}", "array_above_max_length", "messages");
        assertEquals(200, server.http.post("/v1/chat/completions", key,
                "{\"model\":\"gpt-4o\",\"max_tokens\":1,\"messages\":" + messages(2_048) + "}").statusCode());
    }

    @Test
    void moreThan256ContentParts_is400() {
        String parts = "[" + String.join(",", Stream.generate(() -> "{\"type\":\"text\",\"text\":\"p\"}").limit(257).toList()) + "]";
        assert400("{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":" + parts + "}]}",
                "array_above_max_length", "messages[0].content");
    }

    @Test
    void callsInFlightPerKey_areBoundedByMaxConcurrent() {
        String limited = server.newKey(new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
                OptionalInt.of(2), Set.of(), Optional.empty()));
        String slowStream = "{\"model\":\"" + TestServer.SLOW_MODEL + "\",\"stream\":true,\"max_tokens\":40,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"take your time\"}]}";
        HttpResponse<Stream<String>> first = server.http.postStreaming("/v1/chat/completions", limited, slowStream);
        HttpResponse<Stream<String>> second = server.http.postStreaming("/v1/chat/completions", limited, slowStream);
        assertEquals(200, first.statusCode());
        assertEquals(200, second.statusCode());
        HttpResponse<String> third = server.http.post("/v1/chat/completions", limited, Http.chat("gpt-4", "me too"));
        assertEquals(429, third.statusCode(), third.body());
        assertEquals("rate_limit_exceeded", Http.json(third).get("error").get("code").asText());
        first.body().close();
        second.body().close();
        Polling.until(() -> server.http.post("/v1/chat/completions", limited, Http.chat("gpt-4", "now?")).statusCode(),
                status -> status == 200, "the slots are released when the streams end");
    }
}
