package io.gpucloud.adapters.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input gets its documented answer, in the OpenAI error shape, and the server keeps serving. */
class BadInputIT {
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

    @AfterEach
    void serverStillServes() {
        assertEquals(200, server.http.get("/health", null).statusCode());
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String type, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode error = Http.json(response).get("error");
        assertEquals(4, error.size(), "message, type, param and code: " + error);
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isEmpty());
        assertEquals(type, error.get("type").asText());
        if (code == null) {
            assertTrue(error.get("code").isNull(), error.toString());
        } else {
            assertEquals(code, error.get("code").asText(), error.toString());
        }
        assertTrue(error.has("param"));
        assertFalse(response.body().contains("\tat "), "no stack trace");
        return error;
    }

    private static HttpResponse<String> chat(String body) {
        return server.http.post("/v1/chat/completions", key, body);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON|{\"model\":|invalid_json|",
            "not an object|[1,2]|invalid_type|",
            "empty body||invalid_json|",
            "trailing garbage|{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} x|invalid_json|",
            "missing model|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|missing_required_parameter|model",
            "model not a string|{\"model\":4,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|invalid_type|model",
            "missing messages|{\"model\":\"gpt-4\"}|missing_required_parameter|messages",
            "messages not an array|{\"model\":\"gpt-4\",\"messages\":\"hi\"}|invalid_type|messages",
            "empty messages|{\"model\":\"gpt-4\",\"messages\":[]}|empty_array|messages",
            "message not an object|{\"model\":\"gpt-4\",\"messages\":[\"hi\"]}|invalid_type|messages[0]",
            "unknown role|{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|invalid_value|messages[0].role",
            "missing content|{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\"}]}|missing_required_parameter|messages[0].content",
            "content a number|{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":5}]}|invalid_type|messages[0].content",
            "image part|{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]}|invalid_value|messages[0].content[0].type",
            "stream not boolean|{\"model\":\"gpt-4\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|invalid_type|stream",
            "max_tokens string|{\"model\":\"gpt-4\",\"max_tokens\":\"10\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|invalid_type|max_tokens",
            "max_tokens zero|{\"model\":\"gpt-4\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|integer_below_min_value|max_tokens",
            "n too large|{\"model\":\"gpt-4\",\"n\":99,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|integer_above_max_value|n",
            "temperature too high|{\"model\":\"gpt-4\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|decimal_above_max_value|temperature",
            "stop a number|{\"model\":\"gpt-4\",\"stop\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|invalid_type|stop",
            "five stops|{\"model\":\"gpt-4\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|array_above_max_length|stop",
            "stream_options not object|{\"model\":\"gpt-4\",\"stream\":true,\"stream_options\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|invalid_type|stream_options",
    })
    void chat_withBadBody_is400NamingTheField(String ignoredCase, String body, String code, String param) {
        JsonNode error = assertError(chat(body == null ? "" : body), 400, "invalid_request_error", code);
        if (param == null) {
            assertTrue(error.get("param").isNull(), error.toString());
        } else {
            assertEquals(param, error.get("param").asText());
        }
    }

    @Test
    void chat_withTenThousandLevelsOfNesting_isRefusedQuickly() {
        String deep = "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"x\":"
                + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        long started = System.nanoTime();
        assertError(chat(deep), 400, "invalid_request_error", "invalid_json");
        assertTrue(System.nanoTime() - started < 2_000_000_000L);
    }

    @Test
    void chat_withUnknownModel_is404ModelNotFound() {
        JsonNode error = assertError(chat(Http.chat("gpt-17", "hi")), 404, "invalid_request_error", "model_not_found");
        assertEquals("The model `gpt-17` does not exist or you do not have access to it.", error.get("message").asText());
        assertEquals("model", error.get("param").asText());
    }

    @Test
    void chat_withPromptOverTheContext_is400ContextLengthExceeded() {
        String body = "{\"model\":\"llama-2-7b\",\"max_tokens\":4000,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "word ".repeat(200) + "\"}]}";
        assertError(chat(body), 400, "invalid_request_error", "context_length_exceeded");
    }

    @ParameterizedTest(name = "Authorization: [{0}]")
    @CsvSource(delimiter = '|', value = {"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sk-gc-notarealkey",
            "Bearer sk-gc-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "bearer  " + TestServer.ADMIN_TOKEN, "Token abc"})
    void chat_withOddAuthorization_is401InvalidApiKey(String header) {
        HttpResponse<String> response = server.http.send(server.http.request("/v1/chat/completions")
                .header("Authorization", header).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Http.chat("gpt-4", "hi"))));
        assertError(response, 401, "invalid_request_error", "invalid_api_key");
    }

    @Test
    void chat_withoutAuthorization_is401InvalidApiKey() {
        assertError(server.http.post("/v1/chat/completions", null, Http.chat("gpt-4", "hi")), 401,
                "invalid_request_error", "invalid_api_key");
    }

    @Test
    void chat_withKeyInTheQueryString_isNotAccepted() {
        assertError(server.http.post("/v1/chat/completions?api_key=" + key, null, Http.chat("gpt-4", "hi")), 401,
                "invalid_request_error", "invalid_api_key");
    }

    @Test
    void chat_withAuthorizationOver8Kb_is431() {
        HttpResponse<String> response = server.http.send(server.http.request("/v1/chat/completions")
                .header("Authorization", "Bearer " + "a".repeat(9_000)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Http.chat("gpt-4", "hi"))));
        assertError(response, 431, "invalid_request_error", "request_header_fields_too_large");
    }

    @Test
    void chat_withFormBody_is415() {
        HttpResponse<String> response = server.http.send(Http.authorized(server.http.request("/v1/chat/completions"), key)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("model=gpt-4&messages=hi")));
        assertError(response, 415, "invalid_request_error", "unsupported_media_type");
    }

    @Test
    void chat_declaring20MbBody_is413BeforeReadingIt() throws IOException {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.write("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + 20 * 1024 * 1024 + "\r\n\r\n");
            RawHttp.Response response = raw.readResponse();
            assertEquals(413, response.status());
            assertEquals("request_too_large", Http.JSON.readTree(response.body()).get("error").get("code").asText());
            assertEquals("close", response.header("connection"));
        }
    }

    @Test
    void chat_sending20MbChunked_is413AfterTheLimit() throws Exception {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.write("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            Thread writer = Thread.ofVirtual().start(() -> sendChunks(raw, 20 * 1024 * 1024));
            RawHttp.Response response = raw.readResponse();
            assertEquals(413, response.status());
            assertEquals("request_too_large", Http.JSON.readTree(response.body()).get("error").get("code").asText());
            raw.close();
            writer.join(10_000);
        }
    }

    private static void sendChunks(RawHttp raw, int total) {
        byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try {
            for (int sent = 0; sent < total; sent += 0x10000) {
                raw.write(chunk);
            }
        } catch (IOException serverClosed) {
            // Expected: the server refuses the body once it passes the limit.
        }
    }

    @Test
    void chat_withBodyJustUnderTheLimit_isRead() {
        TestServer small = TestServer.start(config -> config.withMaxBodyBytes(4096));
        try {
            String smallKey = small.newKey();
            String padding = "x".repeat(3000);
            HttpResponse<String> ok = small.http.post("/v1/chat/completions", smallKey, Http.chat("gpt-4", padding));
            assertEquals(200, ok.statusCode(), ok.body());
            HttpResponse<String> tooBig = small.http.post("/v1/chat/completions", smallKey, Http.chat("gpt-4", padding + padding));
            assertError(tooBig, 413, "invalid_request_error", "request_too_large");
        } finally {
            small.close();
        }
    }

    @Test
    void wrongMethod_is405WithAllow() {
        HttpResponse<String> response = server.http.get("/v1/chat/completions", key);
        assertError(response, 405, "invalid_request_error", "method_not_allowed");
        assertEquals("POST", response.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void unknownPath_is404Json() {
        assertError(server.http.get("/v1/nothing-here", key), 404, "invalid_request_error", "unknown_url");
        assertError(server.http.get("/nothing-here", null), 404, "invalid_request_error", "unknown_url");
    }

    @Test
    void brokenRequestLine_isAnsweredAndTheServerKeepsServing() throws IOException {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.write("BLAH /\u0001 HTTP/9.9\r\n\r\n");
            try {
                RawHttp.Response response = raw.readResponse();
                assertTrue(response.status() >= 400);
            } catch (IOException closedByServer) {
                // Undertow may simply close a connection that does not speak HTTP.
            }
        }
    }

    @Test
    void clientThatSendsHalfABodyAndLeaves_doesNotHurtTheServer() throws IOException {
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.write("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":");
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII).endsWith("200"));
        }
    }
}
