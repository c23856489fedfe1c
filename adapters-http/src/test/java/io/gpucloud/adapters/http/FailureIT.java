package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.application.apikey.Authentication;
import io.gpucloud.application.apikey.AuthenticateKeyUseCase;
import io.gpucloud.domain.UnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.gpucloud.adapters.http.TestServer.ADMIN_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failures inside blocking use cases (a store that is down, a bug) come back from the virtual thread as JSON errors. */
class FailureIT {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.withUseCases(useCases -> new UseCases(useCases.checkHealth(), useCases.authenticateAdmin(),
                new AuthenticateKeyUseCase() {
                    @Override
                    public Authentication authenticate(String presentedKey) {
                        throw new UnavailableException("database", "connection refused");
                    }

                    @Override
                    public Optional<Authentication> authenticateWithoutBlocking(String presentedKey) {
                        return useCases.authenticateKey().authenticateWithoutBlocking(presentedKey);
                    }
                },
                command -> {
                    throw new IllegalStateException("a bug with secret details");
                },
                () -> {
                    throw new UnavailableException("database", "connection refused");
                },
                useCases.getKey(), useCases.revokeKey(), useCases.usageMetrics(), useCases.createDeployment(),
                useCases.listDeployments(), useCases.deleteDeployment(), useCases.listModels(), useCases.completeChat(),
                useCases.streamChat()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void storeDown_is503WithRetryAfter() {
        HttpResponse<String> response = server.http.get("/api/keys", ADMIN_TOKEN);
        assertEquals(503, response.statusCode());
        assertEquals("1", response.headers().firstValue("retry-after").orElseThrow());
        JsonNode error = Http.json(response).get("error");
        assertEquals("server_error", error.get("type").asText());
        assertEquals("service_unavailable", error.get("code").asText());
        assertFalse(error.get("message").asText().contains("refused"));
    }

    @Test
    void keyLookupDown_is503_notA401() {
        HttpResponse<String> response = server.http.post("/v1/chat/completions", server.newKey(), Http.chat("gpt-4", "x"));
        assertEquals(503, response.statusCode());
    }

    @Test
    void unexpectedFailure_is500WithTheRequestIdAndNoDetails() {
        HttpResponse<String> response = server.http.post("/api/keys", ADMIN_TOKEN, "{\"name\":\"x\"}");
        assertEquals(500, response.statusCode());
        JsonNode error = Http.json(response).get("error");
        assertEquals("server_error", error.get("type").asText());
        assertTrue(error.get("message").asText().contains(response.headers().firstValue("x-request-id").orElseThrow()));
        assertFalse(response.body().contains("secret details"));
        assertEquals(200, server.http.get("/health", null).statusCode());
    }

    @Test
    void largeBodies_areDecodedOffTheIoThread_andServed() {
        try (TestServer normal = TestServer.start()) {
            String key = normal.newKey();
            String big = "lorem ipsum ".repeat(10_000);
            HttpResponse<String> completion = normal.http.post("/v1/chat/completions", key, Http.chat("gpt-4o", big));
            assertEquals(200, completion.statusCode(), completion.body());
            assertTrue(Http.json(completion).get("usage").get("prompt_tokens").asLong() > 10_000);
            HttpResponse<Stream<String>> stream = normal.http.postStreaming("/v1/chat/completions", key,
                    Http.chatStream("gpt-4o", big, false));
            List<String> lines = stream.body().toList();
            assertEquals("data: [DONE]", lines.stream().filter(line -> !line.isEmpty()).toList().getLast());
            HttpResponse<String> bad = normal.http.post("/v1/chat/completions", key,
                    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}], \"n\": \"two\"}");
            assertEquals(400, bad.statusCode());
            assertEquals("n", Http.json(bad).get("error").get("param").asText());
        }
    }
}
